"""Rule changes on disk reach the running daemon without a restart: inotify on the rules
directory and on list files, the last good version of a file kept when an edit breaks it."""

import re
import time

from harness import HERE, PYTHON, SERVER_V4, Daemon, wait_for

CLIENTS = str(HERE / "clients.py")

WEB = """rules:
  - id: web
    action: {action}
    protocol: tcp
    port: 80
"""


def connects(topology, port=80, timeout=3.0):
    """One new TCP connection from the client namespace; True when the server answered."""
    result = topology.ns(topology.client,
                         [PYTHON, CLIENTS, "connect", SERVER_V4, str(port), str(timeout)],
                         check=False, timeout=timeout + 10)
    return result.returncode == 0


def seconds_until(predicate, started, limit=5.0):
    """Seconds from `started` to the start of the first attempt at which predicate() held."""
    while time.monotonic() - started < limit:
        attempt = time.monotonic()
        if predicate():
            return attempt - started
    raise AssertionError(f"still not true after {limit}s")


def seconds_until_log(daemon, pattern, started, count):
    """Seconds from `started` until the log shows `pattern` for the count-th time."""
    regex = re.compile(pattern)
    wait_for(lambda: len(regex.findall(daemon.text())) >= count, 10, f"log line /{pattern}/")
    return time.monotonic() - started


def test_editing_a_rule_file_flips_new_connections_within_a_second(topology, sluiced, tmp_path):
    topology.start_servers([80])
    daemon = Daemon(topology, sluiced, tmp_path, config="default_action: allow\n",
                    rules={"50-web.yaml": WEB.format(action="allow")})
    try:
        assert connects(topology)
        daemon.wait_log(r"allow out tcp .*:80 .*rule=web")
        pid = daemon.pid
        loads = len(re.findall(r"loaded \d+ rules", daemon.text()))

        started = time.monotonic()
        (daemon.rules_dir / "50-web.yaml").write_text(WEB.format(action="deny"))
        reloaded_after = seconds_until_log(daemon, r"loaded \d+ rules", started, loads + 1)
        refused_after = seconds_until(lambda: not connects(topology, timeout=0.5), started)

        assert reloaded_after < 1.0, f"rules reloaded only after {reloaded_after:.2f}s"
        assert refused_after < 1.0, f"new connections refused only after {refused_after:.2f}s"
        daemon.wait_log(r"deny out tcp .*:80 .*rule=web")
        assert "rule files changed; reloading rules" in daemon.text()
        assert daemon.process.poll() is None and daemon.pid == pid, "the daemon restarted"
    finally:
        assert daemon.stop() == 0


def test_broken_edit_keeps_the_old_decision_and_logs_where(topology, sluiced, tmp_path):
    topology.start_servers([80])
    daemon = Daemon(topology, sluiced, tmp_path, config="default_action: deny\n",
                    rules={"50-web.yaml": WEB.format(action="allow")})
    try:
        assert connects(topology)
        rules_file = daemon.rules_dir / "50-web.yaml"
        rules_file.write_text(WEB.format(action="maybe"))
        daemon.wait_log(re.escape(str(rules_file)) +
                        r":3:13: error: 'action' must be one of allow, deny, reject, prompt, "
                        r"not 'maybe'")
        # The last good version of the file still decides: web stays allowed, and it is the
        # rule that allows it (the default here is deny).
        allowed = len(re.findall(r"allow out tcp .*:80 .*rule=web", daemon.text()))
        assert connects(topology)
        daemon.wait_log(r"allow out tcp .*:80 .*rule=web", count=allowed + 1)

        # Fixing the file takes effect as usual.
        rules_file.write_text(WEB.format(action="reject"))
        assert seconds_until(lambda: not connects(topology, timeout=0.5), time.monotonic()) < 1.0
        daemon.wait_log(r"reject out tcp .*:80 .*rule=web")
    finally:
        assert daemon.stop() == 0


def test_editing_a_list_file_a_rule_names_is_picked_up(topology, sluiced, tmp_path):
    topology.start_servers([80])
    lists = tmp_path / "lists"
    lists.mkdir()
    nets = lists / "bad-nets.txt"
    nets.write_text("# nothing of ours yet\n192.0.2.0/24\n")
    rules = f"rules:\n  - id: bad-nets\n    action: reject\n    ip_list: {nets}\n"
    daemon = Daemon(topology, sluiced, tmp_path / "daemon", config="default_action: allow\n",
                    rules={"20-lists.yaml": rules})
    try:
        assert connects(topology)
        # Editors save by writing a new file and renaming it over the old one.
        replacement = lists / ".bad-nets.txt.swp"
        replacement.write_text(f"192.0.2.0/24\n{SERVER_V4}\n")
        started = time.monotonic()
        replacement.rename(nets)
        assert seconds_until(lambda: not connects(topology, timeout=0.5), started) < 1.0
        daemon.wait_log(r"reject out tcp .*:80 .*rule=bad-nets")
    finally:
        assert daemon.stop() == 0


def test_connections_are_decided_while_a_large_reload_is_parsed(topology, sluiced, tmp_path):
    """A reload of 200,000 rules is parsed and indexed on the rule loader's thread: the event
    loop keeps deciding connections with the current rules until the new index is published.
    (A reload on the event loop would hold every connection until the "loaded" line.)"""
    topology.start_servers([80])
    daemon = Daemon(topology, sluiced, tmp_path, config="default_action: deny\n",
                    rules={"50-web.yaml": WEB.format(action="allow")})
    try:
        assert connects(topology)
        loads = len(re.findall(r"loaded \d+ rules", daemon.text()))
        for part in range(2):
            lines = ["rules:"]
            for i in range(100_000):
                n = part * 100_000 + i
                lines.append(f"  - {{id: bulk-{n}, action: deny, protocol: tcp, port: 9000, "
                             f"host: h{n}.bulk.test}}")
            staged = tmp_path / f"bulk-{part}.yaml"
            staged.write_text("\n".join(lines) + "\n")
            staged.rename(daemon.rules_dir / f"60-bulk-{part}.yaml")
        daemon.wait_log("rule files changed; reloading rules")

        def reloaded():
            return len(re.findall(r"loaded \d+ rules", daemon.text())) > loads

        decided_during_reload = 0
        while not reloaded():
            if connects(topology, timeout=5.0) and not reloaded():
                decided_during_reload += 1
        assert decided_during_reload >= 1, "no connection was decided while the rules reloaded"
        daemon.wait_log(r"loaded 200001 rules")
        assert connects(topology)  # the web rule still allows, now from the new index
    finally:
        assert daemon.stop() == 0
