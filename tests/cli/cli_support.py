"""Helpers for the sluicectl tests: a private dbus-daemon, the python3-dbus test double of
sluiced, the real sluiced on the private bus, and `sluicectl prompt` on a pseudo-terminal.
Every helper has close(), called by the fixtures even when a test fails."""

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

import harness  # noqa: E402  (tests/integration/harness.py)
from private_bus import PrivateBus  # noqa: E402,F401  (re-exported for the fixtures)

PYTHON = "/usr/bin/python3"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

class FirewallDouble:
    """firewall_double.py on the bus, and a proxy of its org.sluice.Test1 control interface."""

    def __init__(self, bus, deny_modify=False):
        args = [PYTHON, str(HERE / "firewall_double.py"), bus.address]
        if deny_modify:
            args.append("--deny-modify")
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.close()
            raise AssertionError(f"test double did not start: {line!r}")
        import dbus
        self._bus = bus.connection()
        self.control = dbus.Interface(
            self._bus.get_object("org.sluice.Firewall1", "/org/sluice/Firewall1"),
            "org.sluice.Test1")

    def calls(self, method=None):
        calls = json.loads(self.control.Calls())
        return [c for c in calls if method is None or c["method"] == method]

    def agents(self):
        return json.loads(self.control.Agents())

    def answer(self, prompt_id):
        return json.loads(self.control.Answer(prompt_id))

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


def run_cli(sluicectl, *args, bus=None, env=None, as_nobody=False, timeout=30):
    """Runs sluicectl to completion; `bus` is a PrivateBus (passed with --bus)."""
    command = ([*NOBODY] if as_nobody else []) + [sluicectl]
    if bus is not None:
        command += ["--bus", bus.address]
    command += list(args)
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    full_env.update(env or {})
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=full_env)


def cli_json(sluicectl, *args, bus=None):
    result = run_cli(sluicectl, "--json", *args, bus=bus)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class PtyProcess:
    """A process whose stdin, stdout and stderr are a pseudo-terminal, as at an SSH login:
    expect() waits for text on the screen, send() types."""

    def __init__(self, command, env=None):
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                                        env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.screen = ""
        self.seen = 0  # how much of the screen earlier expect() calls consumed

    def _read(self, timeout):
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 4096)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.screen += data.decode(errors="replace")
        return bool(data)

    def expect(self, pattern, timeout=15):
        """Waits until `pattern` appears after the previous match; returns the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.screen, self.seen)
            if match:
                self.seen = match.end()
                return match
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(min(left, 0.2)) and self.process.poll() is not None):
                raise AssertionError(f"timed out waiting for /{pattern}/ on the terminal; "
                                     f"screen so far:\n{self.screen[-3000:]}")

    def send(self, text):
        os.write(self.master, text.encode())

    def interrupt(self, timeout=10):
        """Ctrl-C (SIGINT) and the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=timeout)
        while self._read(0.05):
            pass
        return code

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self.master)


class BusDaemon(harness.Daemon):
    """harness.Daemon with its D-Bus service on a private bus (harness.Daemon pins
    `dbus.bus: none`): same config, rules dir, log and helpers."""

    def __init__(self, topology, sluiced, workdir, bus_address, config="", rules=None):
        super().__init__(topology, sluiced, workdir, config=config, rules=rules,
                         dbus=f"dbus:\n  bus: \"{bus_address}\"\n  authorization: uid\n")
