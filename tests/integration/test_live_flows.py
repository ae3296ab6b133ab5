"""Live flows from conntrack (issue 4, item 4): re-evaluation cuts a running connection when
the rules change, and a flood of short connections leaves a flow table that converges."""

import os
import re
import signal
import subprocess
import time

from harness import PYTHON, SERVER_V4, Daemon, HERE, wait_for

ECHO_PORT = 7000

ECHO_SERVER = """
import socket, threading
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", %d))
server.listen(16)
print("listening", flush=True)
def echo(conn):
    with conn:
        while data := conn.recv(4096):
            conn.sendall(data)
while True:
    conn, _ = server.accept()
    threading.Thread(target=echo, args=(conn,), daemon=True).start()
""" % ECHO_PORT

# Sends a ping every 50 ms on one connection and prints the monotonic time of every echo; ends
# after 3 s without one. CLOCK_MONOTONIC is shared by every process, so the test compares it.
PINGER = """
import socket, sys, time
sock = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
sock.settimeout(0.05)
last = time.monotonic()
while time.monotonic() - last < 3:
    try:
        sock.sendall(b"ping")
        if sock.recv(64):
            last = time.monotonic()
            print(f"echo {last:.6f}", flush=True)
    except socket.timeout:
        pass
    except OSError as error:
        print(f"error {error}", flush=True)
        break
    time.sleep(0.05)
print("silent", flush=True)
"""

ALLOW_ECHO = f"""rules:
  - id: echo
    action: allow
    protocol: tcp
    port: {ECHO_PORT}
"""
DENY_ECHO = ALLOW_ECHO + f"""  - id: no-echo
    action: deny
    protocol: tcp
    port: {ECHO_PORT}
"""


def test_allowed_connection_is_cut_within_two_seconds_of_a_deny_rule(topology, sluiced,
                                                                        tmp_path):
    server = topology.spawn(topology.server, [PYTHON, "-c", ECHO_SERVER], stdout=subprocess.PIPE,
                            text=True)
    assert server.stdout.readline().strip() == "listening"
    daemon = Daemon(topology, sluiced, tmp_path, rules={"echo.yaml": ALLOW_ECHO},
                    config="default_action: deny\n")
    try:
        pinger = topology.spawn(topology.client, [PYTHON, "-c", PINGER, SERVER_V4,
                                                  str(ECHO_PORT)], stdout=subprocess.PIPE,
                                text=True)
        echoes = []
        while len(echoes) < 5:
            line = pinger.stdout.readline()
            assert line.startswith("echo "), f"connection did not work: {line!r}"
            echoes.append(float(line.split()[1]))
        (daemon.rules_dir / "echo.yaml").write_text(DENY_ECHO)
        changed_at = time.monotonic()
        os.kill(daemon.pid, signal.SIGHUP)
        daemon.wait_log(rf"re-evaluated live flow tcp .*:{ECHO_PORT}: allow -> deny rule=no-echo")
        lines = pinger.communicate(timeout=30)[0].splitlines()
        echoes += [float(line.split()[1]) for line in lines if line.startswith("echo ")]
        assert lines[-1] == "silent"
        assert echoes[-1] - changed_at < 2.0, f"echoes went on {echoes[-1] - changed_at:.2f}s"
        # A new connection is denied too (queued again, decided by the new rules).
        late = topology.ns(topology.client, [PYTHON, "-c", PINGER, SERVER_V4, str(ECHO_PORT)],
                           check=False, timeout=30)
        assert late.returncode != 0
    finally:
        assert daemon.stop() == 0


BURST = str(HERE / "burst.py")
CONNECTIONS = 10000
SHORT_TIMEOUTS = ["net.netfilter.nf_conntrack_tcp_timeout_time_wait=1",
                  "net.netfilter.nf_conntrack_tcp_timeout_close_wait=1",
                  "net.netfilter.nf_conntrack_tcp_timeout_fin_wait=1",
                  "net.netfilter.nf_conntrack_tcp_timeout_last_ack=1",
                  "net.netfilter.nf_conntrack_tcp_timeout_close=1"]


def test_ten_thousand_short_connections_leave_a_converging_flow_table(topology, sluiced,
                                                                       tmp_path):
    topology.start_servers([80])
    daemon = Daemon(topology, sluiced, tmp_path, rules={"all.yaml": "rules:\n  - action: allow\n"})
    try:
        # Closed flows leave conntrack within a second instead of two minutes of TIME_WAIT.
        topology.ns(topology.client, ["sysctl", "-qw", *SHORT_TIMEOUTS])
        rss_before = daemon.rss_kib()
        # Bursts of 500 at once: a flood of events, yet each connection's attribution (which
        # looks through the bursting process's open sockets) stays cheap.
        for _ in range(CONNECTIONS // 500):
            result = topology.ns(topology.client, [PYTHON, BURST, SERVER_V4, "80", "500", "30"],
                                 timeout=120)
            assert "connected=500 failed=0" in result.stdout, result.stdout
        stats = daemon.stats()
        assert stats["allowed"] >= CONNECTIONS  # and the odd packet of the namespace itself
        assert stats["conntrack_events"] >= CONNECTIONS or stats["conntrack_resyncs"] > 1
        # Every flow ended; the table follows conntrack down (events, or a resync after loss).
        wait_for(lambda: daemon.stats()["flows"] <= 5, 60, "the flow table to empty")
        assert daemon.stats()["flows_pending"] == 0
        growth = daemon.rss_kib() - rss_before
        assert growth < 64 * 1024, f"RSS grew by {growth} KiB"
    finally:
        assert daemon.stop() == 0
