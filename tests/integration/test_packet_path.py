"""Foundation acceptance: decisions on the real packet path, fast path, posture."""

import signal
import subprocess

import pytest

from harness import (CLIENT_V4, PYTHON, SERVER_V4, SERVER_V6, Daemon, HERE, queue_stats,
                     run, wait_for)

CLIENTS = str(HERE / "clients.py")

PORT_RULES = """rules:
  - id: web
    action: allow
    protocol: tcp
    port: 80
  - id: no-81
    action: deny
    protocol: tcp
    port: 81
"""


def curl(topology, url, uid=None, timeout=5):
    cmd = ["curl", "-sS", "-g", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", str(timeout), url]
    if uid is not None:
        cmd = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"] + cmd
    result = topology.ns(topology.client, cmd, check=False, timeout=timeout + 10)
    return result.returncode == 0 and result.stdout == "200"


def nc_connects(topology, host, port, timeout=2):
    result = topology.ns(topology.client, ["nc", "-z", "-w", str(timeout), host, str(port)],
                         check=False, timeout=timeout + 10)
    return result.returncode == 0


@pytest.mark.parametrize("server", [SERVER_V4, SERVER_V6], ids=["ipv4", "ipv6"])
def test_port_rules_allow_80_and_deny_81(topology, sluiced, tmp_path, server):
    topology.start_servers([80, 81])
    host = f"[{server}]" if ":" in server else server
    # Without the daemon both ports answer, so a failure below is the firewall's doing.
    assert curl(topology, f"http://{host}:80/") and nc_connects(topology, server, 81)
    daemon = Daemon(topology, sluiced, tmp_path, rules={"ports.yaml": PORT_RULES})
    try:
        assert curl(topology, f"http://{host}:80/")
        assert not nc_connects(topology, server, 81)
        daemon.wait_log(r"allow out tcp .*:80 .*rule=web")
        daemon.wait_log(r"deny out tcp .*:81 .*rule=no-81")
    finally:
        assert daemon.stop() == 0


def test_process_and_user_rules(topology, sluiced, tmp_path):
    topology.start_servers([80])
    rules = """rules:
  - id: curl-ok
    action: allow
    process: /usr/bin/curl
  - id: no-python
    action: deny
    process: "/usr/bin/python3*"
  - id: no-nobody
    action: deny
    user: 65534
    priority: 10
"""
    daemon = Daemon(topology, sluiced, tmp_path, rules={"apps.yaml": rules},
                    config="default_action: deny\n")
    try:
        assert curl(topology, f"http://{SERVER_V4}/")
        python = topology.ns(topology.client, [PYTHON, CLIENTS, "connect", SERVER_V4, "80", "2"],
                             check=False)
        assert python.returncode != 0
        assert not curl(topology, f"http://{SERVER_V4}/", uid=65534, timeout=3)
        assert curl(topology, f"http://{SERVER_V4}/")
        daemon.wait_log(r"allow out tcp .* uid=0 .*exe=/usr/bin/curl rule=curl-ok")
        daemon.wait_log(r"deny out tcp .*exe=/usr/bin/python3[.0-9]* rule=no-python")
        daemon.wait_log(r"deny out tcp .* uid=65534 .*rule=no-nobody")
    finally:
        assert daemon.stop() == 0


def test_fast_path_tcp_queues_one_packet_per_connection(topology, sluiced, tmp_path):
    topology.start_servers([80])
    daemon = Daemon(topology, sluiced, tmp_path, rules={"all.yaml": "rules:\n  - action: allow\n"})
    try:
        before = queue_stats(topology)["id_sequence"]
        topology.ns(topology.client, [PYTHON, CLIENTS, "sequential", SERVER_V4, "80", "50"])
        assert queue_stats(topology)["id_sequence"] - before == 50
    finally:
        assert daemon.stop() == 0


def test_fast_path_udp_flow_is_queued_at_most_twice(topology, sluiced, tmp_path):
    topology.start_servers([], [5300])
    daemon = Daemon(topology, sluiced, tmp_path, rules={"all.yaml": "rules:\n  - action: allow\n"})
    try:
        before = queue_stats(topology)["id_sequence"]
        topology.ns(topology.client, [PYTHON, CLIENTS, "udp-burst", SERVER_V4, "5300", "50", "200"])
        queued = queue_stats(topology)["id_sequence"] - before
        assert 1 <= queued <= 2
    finally:
        assert daemon.stop() == 0


def sluice_chains(topology):
    chains = []
    for tool in ("iptables", "ip6tables"):
        listing = topology.ns(topology.client, [tool, "-w", "-S"]).stdout
        chains += [line for line in listing.splitlines() if "SLUICE" in line]
    return chains


@pytest.mark.parametrize("posture", ["open", "closed"])
def test_posture_after_kill_9(topology, sluiced, tmp_path, posture):
    topology.start_servers([80])
    daemon = Daemon(topology, sluiced, tmp_path, config=f"fail: {posture}\n",
                    rules={"all.yaml": "rules:\n  - action: allow\n"})
    assert curl(topology, f"http://{SERVER_V4}/")
    daemon.stop(signal.SIGKILL)
    assert sluice_chains(topology), "chains must stay behind after a crash"
    assert curl(topology, f"http://{SERVER_V4}/", timeout=3) == (posture == "open")


def test_clean_stop_with_fail_open_leaves_no_chain(topology, sluiced, tmp_path):
    daemon = Daemon(topology, sluiced, tmp_path, config="fail: open\n")
    assert sluice_chains(topology)
    assert daemon.stop() == 0
    assert sluice_chains(topology) == []


def test_clean_stop_with_fail_closed_keeps_queue_rule(topology, sluiced, tmp_path):
    topology.start_servers([80])
    daemon = Daemon(topology, sluiced, tmp_path, config="fail: closed\n")
    assert daemon.stop() == 0
    assert any("NFQUEUE" in line for line in sluice_chains(topology))
    assert not curl(topology, f"http://{SERVER_V4}/", timeout=2)
    # The next start replaces the leftover chains instead of stacking a second set.
    daemon = Daemon(topology, sluiced, tmp_path / "again", config="fail: open\n")
    try:
        assert curl(topology, f"http://{SERVER_V4}/")
        jumps = [line for line in sluice_chains(topology) if line.startswith("-A OUTPUT")]
        assert len(jumps) == 2  # one for IPv4, one for IPv6
    finally:
        assert daemon.stop() == 0


def test_reject_answers_with_reset(topology, sluiced, tmp_path):
    topology.start_servers([80])
    rules = "rules:\n  - action: reject\n    port: 80\n"
    daemon = Daemon(topology, sluiced, tmp_path, rules={"r.yaml": rules})
    try:
        python = topology.ns(topology.client, [PYTHON, CLIENTS, "connect", SERVER_V4, "80", "5"],
                             check=False)
        assert "ConnectionRefusedError" in python.stderr
    finally:
        assert daemon.stop() == 0
