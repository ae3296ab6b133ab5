"""Decisions in the journal: sluiced with log.target: journal sends each decision as a
structured entry (SLUICE_* fields), rate-limited, with the suppressed lines counted. journald is
replaced by tests/systemd/fake_journald.py in a private mount namespace."""

import json
import os
import signal
import subprocess
import threading
from pathlib import Path

from harness import CLIENT_V4, PYTHON, SERVER_V4, wait_for
from daemon_process import write_config

HERE = Path(__file__).resolve().parent
DECISION_ID = "41596fe006ea43efbcfded20af098b41"
PORT = 9
ATTEMPTS = 300


class FakeJournal:
    def __init__(self, topology, command):
        created = []
        for directory in ("/run/systemd", "/run/systemd/journal"):
            if not os.path.isdir(directory):
                os.mkdir(directory)
                created.append(directory)
        self.created = created
        self.entries = []
        self.lock = threading.Lock()
        self.process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", PYTHON, str(HERE / "fake_journald.py"),
             "--", "ip", "netns", "exec", topology.client, *command],
            stdout=subprocess.PIPE, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        wait_for(lambda: self.find(FAKE_JOURNALD="started"), 10, "fake journald")
        self.daemon_pid = int(self.find(FAKE_JOURNALD="started")[0]["CHILD_PID"])

    def _read(self):
        for line in self.process.stdout:
            with self.lock:
                self.entries.append(json.loads(line))

    def find(self, **fields):
        with self.lock:
            return [e for e in self.entries if all(e.get(k) == v for k, v in fields.items())]

    def messages(self, prefix):
        with self.lock:
            return [e["MESSAGE"] for e in self.entries
                    if "MESSAGE" in e and e["MESSAGE"].startswith(prefix)]

    def close(self):
        if self.process.poll() is None:
            # The daemon may have exited while the fake journald is still reporting it.
            try:
                os.kill(self.daemon_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=20)
        self.thread.join(timeout=5)
        for directory in reversed(self.created):
            os.rmdir(directory)


def test_decisions_reach_the_journal_with_fields_and_a_rate_limit(topology, sluiced, tmp_path):
    exe = os.path.realpath(PYTHON)
    rules = {"50-discard.yaml": f"rules:\n  - id: no-discard\n    action: reject\n"
                                f"    protocol: tcp\n    port: {PORT}\n"}
    config = write_config(tmp_path, "firewall:\n  backend: iptables\ndefault_action: allow\n"
                                    "log:\n  target: journal\n", rules)
    journal = FakeJournal(topology, [sluiced, "--config", str(config)])
    try:
        wait_for(lambda: journal.messages("sluiced ready"), 20, "the ready line in the journal")
        client = (f"import errno, os, socket\nprint(os.getpid(), flush=True)\n"
                  f"for _ in range({ATTEMPTS}):\n"
                  f"    s = socket.socket()\n"
                  f"    assert s.connect_ex(('{SERVER_V4}', {PORT})) == errno.ECONNREFUSED\n"
                  f"    s.close()\n")
        result = topology.ns(topology.client, [PYTHON, "-c", client], timeout=120)
        client_pid = result.stdout.split()[0]

        os.kill(journal.daemon_pid, signal.SIGUSR1)
        wait_for(lambda: journal.messages("stats: "), 10, "the stats line")
        stats = dict(kv.split("=") for kv in journal.messages("stats: ")[-1].split()[1:])
        assert int(stats["rejected"]) == ATTEMPTS

        decisions = journal.find(MESSAGE_ID=DECISION_ID)
        suppressed = sum(int(m.split()[0]) for m in journal.messages("")
                         if m.endswith(" decision lines suppressed by the rate limit"))
        print(f"{len(decisions)} decision entries, {suppressed} suppressed, {ATTEMPTS} decisions")
        assert len(decisions) + suppressed == ATTEMPTS
        assert 100 <= len(decisions) < ATTEMPTS, "the burst passes, the flood is cut"

        first = decisions[0]
        assert first["SLUICE_ACTION"] == "reject"
        assert first["SLUICE_REASON"] == "rule"
        assert first["SLUICE_RULE"] == "no-discard"
        assert first["SLUICE_DIRECTION"] == "out"
        assert first["SLUICE_PROTOCOL"] == "tcp"
        assert first["SLUICE_DST"] == f"{SERVER_V4}:{PORT}"
        assert first["SLUICE_SRC"].startswith(f"{CLIENT_V4}:")
        assert first["SLUICE_EXE"] == exe
        assert first["SLUICE_PID"] == client_pid
        assert first["SLUICE_UID"] == "0"
        assert first["PRIORITY"] == "6"
        assert first["SYSLOG_IDENTIFIER"] == "sluiced"
        assert first["MESSAGE"].startswith(f"reject out tcp {CLIENT_V4}:")

        os.kill(journal.daemon_pid, signal.SIGTERM)
        wait_for(lambda: journal.find(FAKE_JOURNALD="exited"), 20, "sluiced to stop")
        assert journal.find(FAKE_JOURNALD="exited")[0]["EXIT_STATUS"] == "0"
    finally:
        journal.close()
