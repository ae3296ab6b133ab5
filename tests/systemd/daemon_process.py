"""Starts the sluiced under test in a namespace of a harness Topology with a config of our own,
an environment of our own and its output in a log file; stops it on close()."""

import os
import re
import signal
import subprocess
from pathlib import Path

from harness import wait_for


def write_config(workdir, config="", rules=None):
    """A config in `workdir` with its own rules dir and state file; returns its path."""
    workdir = Path(workdir)
    rules_dir = workdir / "rules.d"
    rules_dir.mkdir(parents=True, exist_ok=True)
    for name, text in (rules or {}).items():
        (rules_dir / name).write_text(text)
    path = workdir / "sluiced.yaml"
    path.write_text(f"rules:\n  dirs: [{rules_dir}]\n  state: {workdir / 'state' / 'rules.yaml'}\n"
                    f"dbus:\n  bus: none\n" + config)
    return path


class DaemonProcess:
    def __init__(self, topology, command, workdir, env=None, namespace=None):
        self.log_path = Path(workdir) / "sluiced.log"
        self.log = open(self.log_path, "w")
        full_env = dict(os.environ)
        for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"):
            full_env.pop(name, None)
        full_env.update(env or {})
        self.process = topology.spawn(namespace or topology.client, list(command),
                                      stdout=self.log, stderr=subprocess.STDOUT, env=full_env)

    @property
    def pid(self):
        return self.process.pid

    def text(self):
        return self.log_path.read_text(errors="replace")

    def wait_log(self, pattern, timeout=20):
        regex = re.compile(pattern)

        def seen():
            if regex.search(self.text()):
                return True
            if self.process.poll() is not None:
                raise AssertionError(f"sluiced exited ({self.process.returncode}):\n{self.text()[-3000:]}")
            return False

        wait_for(seen, timeout, f"log line /{pattern}/")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=timeout)
        self.log.close()
        return self.process.returncode
