"""sd_notify protocol against a fake NOTIFY_SOCKET: READY=1 only once the queue is bound,
WATCHDOG=1 at half of WATCHDOG_USEC, STATUS= with counters, RELOADING=1 on SIGHUP and STOPPING=1
on SIGTERM. The daemon runs in the client namespace of a harness Topology."""

import signal
import socket
import threading
import time

from harness import QUEUE, wait_for
from daemon_process import DaemonProcess, write_config


class NotifySocket:
    """A service manager's notification socket: records each datagram with the time it came and
    what `probe` saw at that moment."""

    def __init__(self, path, probe):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.probe = probe
        self.messages = []  # (monotonic time, text, probe result)
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            text = data.decode()
            seen = self.probe() if "READY=1" in text else None
            with self.lock:
                self.messages.append((time.monotonic(), text, seen))

    def with_line(self, line):
        with self.lock:
            return [m for m in self.messages if line in m[1].split("\n")]

    def lines(self):
        with self.lock:
            return [line for m in self.messages for line in m[1].split("\n")]

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()


def queue_and_chains(topology):
    queues = topology.ns(topology.client, ["cat", "/proc/net/netfilter/nfnetlink_queue"]).stdout
    bound = any(line.split() and int(line.split()[0]) == QUEUE for line in queues.splitlines())
    chains = "-N SLUICE-OUT" in topology.ns(topology.client, ["iptables", "-w", "-S"]).stdout
    return bound, chains


def test_ready_after_queue_bound_watchdog_status_reload_and_stopping(topology, sluiced, tmp_path):
    notify = NotifySocket(tmp_path / "notify.sock", lambda: queue_and_chains(topology))
    config = write_config(tmp_path, "fail: closed\ndefault_action: allow\nfirewall:\n"
                                    "  backend: iptables\nlog:\n  target: stderr\n")
    daemon = DaemonProcess(topology, [sluiced, "--config", str(config)], tmp_path,
                           env={"NOTIFY_SOCKET": str(tmp_path / "notify.sock"),
                                "WATCHDOG_USEC": "400000"})
    try:
        wait_for(lambda: notify.with_line("READY=1"), 20, "READY=1")
        ready_time, ready_text, (bound, chains) = notify.with_line("READY=1")[0]
        assert bound, "READY=1 came before NFQUEUE %d was bound" % QUEUE
        assert chains, "READY=1 came before the SLUICE chains were installed"
        assert "STATUS=Filtering on queue 4242 (fail closed): 0 allowed, 0 denied, 0 rejected, " \
               "0 packets" in ready_text.split("\n"), ready_text
        daemon.wait_log(r"sluiced ready")

        # WATCHDOG_USEC=400000: a ping every 200 ms, about 10 in 2 s.
        time.sleep(2.2)
        window = [t for t, _, _ in notify.with_line("WATCHDOG=1")
                  if ready_time + 0.1 <= t <= ready_time + 2.1]
        print(f"WATCHDOG=1 pings in 2 s: {len(window)}")
        assert 6 <= len(window) <= 12, f"{len(window)} watchdog pings in 2 s, expected about 10"

        daemon.process.send_signal(signal.SIGHUP)
        wait_for(lambda: len(notify.with_line("READY=1")) >= 2, 20, "READY=1 after reload")
        lines = notify.lines()
        reloading = lines.index("RELOADING=1")
        assert any(line.startswith("MONOTONIC_USEC=") for line in lines[reloading:])
        assert lines.index("READY=1", reloading) > reloading

        assert notify.with_line("STOPPING=1") == []
        assert daemon.stop() == 0
        stopping = notify.with_line("STOPPING=1")
        assert len(stopping) == 1
        assert "STATUS=Stopping" in stopping[0][1].split("\n")
    finally:
        daemon.stop(signal.SIGKILL)
        topology.ns(topology.client, [sluiced, "--remove-firewall"], check=False)
        notify.close()


def test_no_watchdog_pings_without_watchdog_usec(topology, sluiced, tmp_path):
    notify = NotifySocket(tmp_path / "notify.sock", lambda: queue_and_chains(topology))
    config = write_config(tmp_path, "firewall:\n  backend: iptables\nlog:\n  target: stderr\n")
    daemon = DaemonProcess(topology, [sluiced, "--config", str(config)], tmp_path,
                           env={"NOTIFY_SOCKET": str(tmp_path / "notify.sock")})
    try:
        wait_for(lambda: notify.with_line("READY=1"), 20, "READY=1")
        time.sleep(1.0)
        assert notify.with_line("WATCHDOG=1") == []
        assert daemon.stop() == 0
        assert len(notify.with_line("STOPPING=1")) == 1
    finally:
        daemon.stop(signal.SIGKILL)
        notify.close()
