"""sluiced's command line: --check-config output and exit codes, and the README's run command
(embedded defaults, decisions printed)."""

import os
import re
import signal
import subprocess

from harness import SERVER_V4, wait_for
from private_bus import PrivateBus

DIAGNOSTIC = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<column>\d+): error: (?P<message>.+)$")


def check_config(sluiced, path):
    return subprocess.run([sluiced, "--check-config", "--config", str(path)],
                          capture_output=True, text=True, timeout=30)


def test_check_config_reports_three_errors_with_positions(sluiced, tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(
        f"queue:\n"
        f"  nmber: 1\n"
        f"fail: maybe\n"
        f"rules:\n"
        f"  dirs: [{tmp_path}/rules.d]\n"
        f"  state: {tmp_path}/state.yaml\n"
        f"prompt:\n"
        f"  timeout: 20\n")
    result = check_config(sluiced, config)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, result.stderr
    positions = []
    for line in lines:
        match = DIAGNOSTIC.match(line)
        assert match, line
        assert match["file"] == str(config)
        positions.append((int(match["line"]), int(match["column"])))
    assert positions == [(2, 3), (3, 7), (8, 12)]
    assert "nmber" in lines[0] and "maybe" in lines[1] and "timeout" in lines[2]


def test_check_config_includes_rule_file_errors(sluiced, tmp_path):
    rules_dir = tmp_path / "rules.d"
    rules_dir.mkdir()
    (rules_dir / "broken.yaml").write_text("rules:\n  - action: allow\n    port: 70000\n")
    config = tmp_path / "ok.yaml"
    config.write_text(f"rules:\n  dirs: [{rules_dir}]\n  state: {tmp_path}/state.yaml\n")
    result = check_config(sluiced, config)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{rules_dir}/broken.yaml:3:11: error: "), lines


def test_check_config_clean_exits_zero_and_prints_nothing(sluiced, tmp_path):
    rules_dir = tmp_path / "rules.d"
    rules_dir.mkdir()
    (rules_dir / "10-web.yaml").write_text(
        "rules:\n  - id: web\n    action: allow\n    process: /usr/bin/curl\n    port: 443\n")
    config = tmp_path / "ok.yaml"
    config.write_text(f"rules:\n  dirs: [{rules_dir}]\n  state: {tmp_path}/state.yaml\n")
    result = check_config(sluiced, config)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_missing_explicit_config_is_an_error(sluiced, tmp_path):
    result = check_config(sluiced, tmp_path / "nope.yaml")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{tmp_path}/nope.yaml:0:0: error: cannot read file")


def test_help_documents_every_config_key(sluiced):
    result = subprocess.run([sluiced, "--help"], capture_output=True, text=True, timeout=10)
    assert result.returncode == 0
    for key in ("queue.number", "fail", "firewall.mark_mask", "default_action", "prompt.timeout",
                "rules.dirs", "dns.observer", "dbus.bus", "log.level", "--check-config"):
        assert key in result.stdout, key


def test_readme_run_command_uses_embedded_defaults_and_prints_decisions(topology, sluiced):
    """`sluiced --foreground` with no config file: embedded defaults, every decision printed.
    (Runs inside the test namespace; /etc/sluice/sluiced.yaml must not exist on the machine.)
    The defaults serve the API on the system bus; CI runners have none, so the test provides
    one configured like it, with the project's policy file."""
    topology.start_servers([80])
    log = []
    system_bus = PrivateBus()
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=system_bus.address)
    process = topology.spawn(topology.client, [sluiced, "--foreground"],
                             stderr=subprocess.PIPE, text=True, env=env)
    try:
        def line_seen(pattern):
            def seen():
                line = process.stderr.readline()
                log.append(line)
                return re.search(pattern, line)
            return seen

        wait_for(line_seen(r"sluiced ready: queue 4242, fail open, default_action prompt"), 20,
                 "ready line")
        result = topology.ns(topology.client, ["curl", "-sS", "-o", "/dev/null", "--max-time", "5",
                                               f"http://{SERVER_V4}/"], check=False)
        assert result.returncode == 0, result.stderr
        # default_action prompt with no agent registered: prompt.no_agent (allow) decides.
        wait_for(line_seen(rf"allow out tcp 10\.77\.0\.1:\d+ -> {SERVER_V4}:80 .*exe=/usr/bin/curl"
                           r" rule=- \(no-agent\)"), 10, "decision line")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            assert process.wait(timeout=20) == 0, "".join(log)
        finally:
            system_bus.close()
