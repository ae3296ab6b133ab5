"""Integration harness: two network namespaces joined by a veth pair, real servers on one,
the real sluiced on the other, real clients. Every resource is released by close() even when
a test fails; addresses are private ones that exist only inside these namespaces."""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

CLIENT_V4, SERVER_V4 = "10.77.0.1", "10.77.0.2"
CLIENT_V6, SERVER_V6 = "fd77::1", "fd77::2"
QUEUE = 4242
HERE = Path(__file__).resolve().parent
PYTHON = "/usr/bin/python3"


def run(cmd, check=True, timeout=30, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def wait_for(predicate, timeout, what):
    """Polls predicate until it is truthy; fails with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


class Topology:
    """client ns <-veth-> server ns, IPv4 and IPv6, loopback up in both."""

    def __init__(self, tag):
        self.client = f"slc-c-{tag}"
        self.server = f"slc-s-{tag}"
        self.processes = []
        for ns in (self.client, self.server):
            run(["ip", "netns", "add", ns])
        try:
            run(["ip", "link", "add", "veth-c", "netns", self.client, "type", "veth",
                 "peer", "name", "veth-s", "netns", self.server])
            for ns, dev, v4, v6 in ((self.client, "veth-c", CLIENT_V4, CLIENT_V6),
                                    (self.server, "veth-s", SERVER_V4, SERVER_V6)):
                self.ns(ns, ["ip", "link", "set", "lo", "up"])
                self.ns(ns, ["ip", "addr", "add", f"{v4}/24", "dev", dev])
                self.ns(ns, ["ip", "-6", "addr", "add", f"{v6}/64", "dev", dev, "nodad"])
                self.ns(ns, ["ip", "link", "set", dev, "up"])
                self.ns(ns, ["sysctl", "-qw", "net.core.somaxconn=8192"])
            wait_for(lambda: "state UP" in self.ns(self.client, ["ip", "link", "show", "veth-c"]).stdout,
                     10, "veth up")
        except Exception:
            self.close()
            raise

    def ns(self, ns, cmd, check=True, timeout=30, **kwargs):
        return run(["ip", "netns", "exec", ns] + cmd, check=check, timeout=timeout, **kwargs)

    def spawn(self, ns, cmd, **kwargs):
        process = subprocess.Popen(["ip", "netns", "exec", ns] + cmd, **kwargs)
        self.processes.append(process)
        return process

    def start_servers(self, tcp_ports, udp_ports=()):
        process = self.spawn(self.server, [PYTHON, str(HERE / "peer_servers.py"),
                                           ",".join(map(str, tcp_ports)),
                                           ",".join(map(str, udp_ports))],
                             stdout=subprocess.PIPE, text=True)
        line = process.stdout.readline()
        assert line.strip() == "listening", f"servers did not start: {line!r}"
        return process

    def close(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for ns in (self.client, self.server):
            run(["ip", "netns", "del", ns], check=False)


def queue_stats(topology, queue=QUEUE):
    """The client namespace's row of /proc/net/netfilter/nfnetlink_queue as a dict."""
    text = topology.ns(topology.client, ["cat", "/proc/net/netfilter/nfnetlink_queue"]).stdout
    for line in text.splitlines():
        fields = line.split()
        if fields and int(fields[0]) == queue:
            return {"queue_total": int(fields[2]), "queue_dropped": int(fields[5]),
                    "user_dropped": int(fields[6]), "id_sequence": int(fields[7])}
    return None


class Daemon:
    """The real sluiced inside the client namespace, with its own config and rules dir."""

    def __init__(self, topology, sluiced, workdir, config="", rules=None, args=(),
                 dbus="dbus:\n  bus: none\n"):
        self.topology = topology
        self.workdir = Path(workdir)
        self.rules_dir = self.workdir / "rules.d"
        self.rules_dir.mkdir(parents=True, exist_ok=True)
        self.state = self.workdir / "state" / "rules.yaml"
        self.log_path = self.workdir / "sluiced.log"
        self.config_path = self.workdir / "sluiced.yaml"
        for name, text in (rules or {}).items():
            (self.rules_dir / name).write_text(text)
        self.config_path.write_text(
            f"rules:\n  dirs: [{self.rules_dir}]\n  state: {self.state}\n"
            f"{dbus}log:\n  target: stderr\n" + config)
        self.log = open(self.log_path, "w")
        self.process = topology.spawn(topology.client,
                                      [sluiced, "--config", str(self.config_path), "--foreground",
                                       *args],
                                      stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self.wait_log(r"sluiced ready", 20)
        except AssertionError:
            self.stop()
            raise

    @property
    def pid(self):
        """The daemon's own pid (ip netns exec execs it, so it is the Popen pid)."""
        return self.process.pid

    def text(self):
        return self.log_path.read_text(errors="replace")

    def wait_log(self, pattern, timeout=10, count=1):
        regex = re.compile(pattern)

        def seen():
            if self.process.poll() is not None and len(regex.findall(self.text())) < count:
                raise AssertionError(f"sluiced exited ({self.process.returncode}):\n{self.text()[-3000:]}")
            return len(regex.findall(self.text())) >= count

        wait_for(seen, timeout, f"log line /{pattern}/ x{count}")

    def stats(self):
        """Asks for a stats line (SIGUSR1) and returns its counters as a dict."""
        before = len(re.findall(r"stats: ", self.text()))
        os.kill(self.pid, signal.SIGUSR1)
        self.wait_log(r"stats: ", 10, count=before + 1)
        line = re.findall(r"stats: (.*)", self.text())[-1]
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}

    def fd_count(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def rss_kib(self):
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=timeout)
        self.log.close()
        return self.process.returncode


class DnsServer:
    """dnsmasq on the server host answering from a hosts file plus CNAME records, and a
    resolv.conf for the client namespace pointing at it: `ip netns exec` bind-mounts
    /etc/netns/NAME/resolv.conf over /etc/resolv.conf. close() removes that file; the
    topology kills dnsmasq."""

    def __init__(self, topology, workdir, hosts, cnames=()):
        self.resolv_dir = Path("/etc/netns") / topology.client
        workdir = Path(workdir)
        hosts_path = workdir / "dns-hosts"
        hosts_path.write_text("".join(f"{address} {name}\n" for name, address in hosts))
        self.resolv_dir.mkdir(parents=True, exist_ok=True)
        (self.resolv_dir / "resolv.conf").write_text(
            f"nameserver {SERVER_V4}\noptions timeout:2 attempts:2\n")
        try:
            topology.spawn(topology.server, [
                "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                "--no-hosts", "--bind-interfaces", f"--listen-address={SERVER_V4}",
                f"--addn-hosts={hosts_path}", "--local-ttl=300", "--user=root",
                f"--pid-file={workdir / 'dnsmasq.pid'}", "--log-facility=-",
                *[f"--cname={alias},{target}" for alias, target in cnames]],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            probe = hosts[0][0]
            wait_for(lambda: topology.ns(topology.client, [
                PYTHON, "-c", f"import socket; socket.getaddrinfo('{probe}', 80)"],
                check=False).returncode == 0, 10, "dnsmasq answering")
        except Exception:
            self.close()
            raise

    def close(self):
        for name in ("resolv.conf",):
            (self.resolv_dir / name).unlink(missing_ok=True)
        try:
            self.resolv_dir.rmdir()
        except OSError:
            pass
