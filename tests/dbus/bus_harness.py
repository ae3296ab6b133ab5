"""D-Bus test harness: a private dbus-daemon configured like the system bus plus the project's
policy file, sluiced connected to it (inside the netns Topology of tests/integration), and the
clients the tests drive (busctl, gdbus, python3-dbus agents, optionally as another uid).
Everything is released by close()/stop() even when a test fails."""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from harness import PYTHON, run, wait_for  # noqa: E402
from private_bus import PrivateBus  # noqa: E402,F401  (re-exported for the fixtures)

SERVICE = "org.sluice.Firewall1"
PATH = "/org/sluice/Firewall1"
IFACE = "org.sluice.Firewall1"
NOBODY = 65534
OTHER_USER = 1000

def as_user(uid, cmd):
    if uid is None or uid == 0:
        return cmd
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"] + cmd


def busctl(bus, *args, uid=None, check=True, timeout=30):
    """busctl against the private bus; returns the CompletedProcess."""
    cmd = as_user(uid, ["busctl", f"--address={bus.address}", "--timeout=20", *args])
    return run(cmd, check=check, timeout=timeout)


def call(bus, method, signature="", *args, uid=None, check=True, json_out=True, timeout=30):
    """busctl call on org.sluice.Firewall1; JSON reply when json_out."""
    extra = ["--json=short"] if json_out else []
    sig = [signature] if signature else []
    result = busctl(bus, *extra, "call", SERVICE, PATH, IFACE, method, *sig, *map(str, args),
                    uid=uid, check=check, timeout=timeout)
    if json_out and result.returncode == 0:
        return json.loads(result.stdout)["data"] if result.stdout.strip() else []
    return result


def rule_ids(bus):
    return [rule["id"]["data"] for rule in call(bus, "ListRules")[0]]


class SluicedOnBus:
    """The real sluiced in the client namespace, connected to `bus`. Like harness.Daemon, but
    with dbus.bus set and restartable on the same config and state."""

    def __init__(self, topology, sluiced, workdir, bus, config="", rules=None, dbus=""):
        self.topology = topology
        self.sluiced = sluiced
        self.bus = bus
        self.workdir = Path(workdir)
        self.rules_dir = self.workdir / "rules.d"
        self.rules_dir.mkdir(parents=True, exist_ok=True)
        self.state = self.workdir / "state" / "rules.yaml"
        self.config_path = self.workdir / "sluiced.yaml"
        for name, text in (rules or {}).items():
            (self.rules_dir / name).write_text(text)
        self.config_path.write_text(
            f"rules:\n  dirs: [{self.rules_dir}]\n  state: {self.state}\n"
            f"dbus:\n  bus: \"{bus.address}\"\n  authorization: uid\n{dbus}"
            f"log:\n  target: stderr\n  level: debug\n" + config)
        self.runs = 0
        self.process = None
        self.start()

    def start(self):
        self.runs += 1
        self.log_path = self.workdir / f"sluiced-{self.runs}.log"
        self.log = open(self.log_path, "w")
        self.process = self.topology.spawn(
            self.topology.client,
            [self.sluiced, "--config", str(self.config_path), "--foreground"],
            stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self.wait_log(r"sluiced ready", 20)
        except AssertionError:
            self.stop()
            raise

    def restart(self):
        assert self.stop() == 0
        self.start()

    def text(self):
        return self.log_path.read_text(errors="replace")

    def wait_log(self, pattern, timeout=10, count=1):
        regex = re.compile(pattern)

        def seen():
            found = len(regex.findall(self.text()))
            if self.process.poll() is not None and found < count:
                raise AssertionError(
                    f"sluiced exited ({self.process.returncode}):\n{self.text()[-3000:]}")
            return found >= count

        wait_for(seen, timeout, f"log line /{pattern}/ x{count}")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout=20):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=timeout)
        if not self.log.closed:
            self.log.close()
        return self.process.returncode if self.process is not None else 0


class Agent:
    """A prompt agent written with python3-dbus (agent.py), optionally as another uid. Its
    events (registered, RequestDecision, Cancel) are read from its stdout as JSON lines."""

    def __init__(self, bus, mode, uid=None, scope="forever", action="allow"):
        cmd = as_user(uid, [PYTHON, str(HERE / "agent.py"), bus.address, mode, action, scope])
        self.process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.events = []
        # A reader thread, so no line can sit unseen in a buffer while the test waits.
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        event = self.next_event(10)
        assert event["event"] == "registered", event

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def next_event(self, timeout):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"agent said nothing for {timeout:.1f}s") from None
        if line is None:
            self.lines.put(None)
            raise AssertionError(f"agent exited: {self.stderr_text()}")
        event = json.loads(line)
        self.events.append(event)
        return event

    def wait_event(self, name, timeout):
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event["event"] == name:
                return event
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {name} from the agent within {timeout}s: {self.events}")
            event = self.next_event(remaining)
            if event["event"] == name:
                return event

    def count(self, name):
        return sum(1 for event in self.events if event["event"] == name)

    def drain(self, seconds):
        """Collects events for `seconds` (for "nothing more happened" checks)."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                self.next_event(remaining)
            except AssertionError:
                return

    def stderr_text(self):
        if self.process.poll() is None:
            return "(still running)"
        return self.process.stderr.read()

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def gdbus_call(bus, method, *args, uid=None, service=SERVICE, path=PATH, interface=IFACE,
               timeout=30):
    """gdbus call (GLib's binding); errors show as GDBus.Error:NAME: MESSAGE on stderr."""
    cmd = as_user(uid, ["gdbus", "call", "--address", bus.address, "--dest", service,
                        "--object-path", path, "--timeout", "20",
                        "--method", f"{interface}.{method}", *args])
    return run(cmd, check=False, timeout=timeout)
