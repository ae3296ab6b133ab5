"""sluicectl against the real sluiced: the daemon runs in the client namespace of
tests/integration/harness.py's Topology with its D-Bus service on a private bus, and real
connections (curl) go through it. Covers the rule commands end to end, access denied for uid
65534, monitor, and `sluicectl prompt` on a pseudo-terminal approving a waiting connection."""

import json
import subprocess

import pytest

from cli_support import BusDaemon, PtyProcess, cli_json, run_cli
from harness import SERVER_V4, wait_for

ADMIN_RULES = {"10-admin.yaml": "rules:\n"
                                "  - id: admin-81\n"
                                "    action: allow\n"
                                "    protocol: tcp\n"
                                "    port: 81\n"}
CONFIG = ("default_action: prompt\n"
          "prompt:\n  timeout: 30s\n  fallback: deny\n  no_agent: deny\n")


@pytest.fixture
def daemon(topology, sluiced, private_bus, tmp_path):
    topology.start_servers([80, 81])
    sluice = BusDaemon(topology, sluiced, tmp_path, private_bus.address, config=CONFIG,
                       rules=ADMIN_RULES)
    try:
        yield sluice
    finally:
        sluice.stop()


def curl(topology, port, timeout=20):
    """Starts curl in the client namespace; returns the process (stdout: the HTTP code)."""
    return topology.spawn(topology.client,
                          ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time",
                           str(timeout), f"http://{SERVER_V4}:{port}/"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_rule_commands_round_trip_through_the_daemon(sluicectl, private_bus, daemon):
    status = cli_json(sluicectl, "status", bus=private_bus)
    assert status["enabled"] is True and status["default_action"] == "prompt"

    added = run_cli(sluicectl, "rules", "add", "--action", "deny", "--ip", "10.77.0.0/24",
                    "--port", "8080,8081", "--protocol", "tcp", "--comment", "from sluicectl",
                    bus=private_bus)
    assert added.returncode == 0, added.stderr
    rule_id = added.stdout.strip()
    assert rule_id and "\n" not in rule_id

    rules = {rule["id"]: rule for rule in cli_json(sluicectl, "rules", "list", bus=private_bus)}
    assert rules["admin-81"]["source"].endswith("10-admin.yaml")
    assert rules[rule_id]["source"] == "state"
    assert rules[rule_id]["port"] == ["8080", "8081"]
    table = run_cli(sluicectl, "rules", "list", bus=private_bus).stdout.splitlines()
    assert any(line.split()[:2] == [rule_id, "deny"] and
               "ip=10.77.0.0/24 port=8080,8081 protocol=tcp" in line for line in table)

    edited = run_cli(sluicectl, "rules", "edit", rule_id, "--port", "9090", "--unset",
                     "comment", bus=private_bus)
    assert edited.returncode == 0, edited.stderr
    shown = cli_json(sluicectl, "rules", "show", rule_id, bus=private_bus)
    assert shown["port"] == ["9090"] and "comment" not in shown and shown["action"] == "deny"

    removed = run_cli(sluicectl, "rules", "rm", rule_id, bus=private_bus)
    assert removed.returncode == 0, removed.stderr
    assert rule_id not in [r["id"] for r in cli_json(sluicectl, "rules", "list", bus=private_bus)]

    missing = run_cli(sluicectl, "rules", "rm", rule_id, bus=private_bus)
    assert missing.returncode == 1
    assert missing.stderr == f"sluicectl: not found: no rule '{rule_id}'\n"


def test_invalid_rule_is_refused_with_field_and_reason(sluicectl, private_bus, daemon):
    result = run_cli(sluicectl, "rules", "add", "--action", "allow", "--port", "70000",
                     bus=private_bus)
    assert result.returncode == 1
    assert result.stderr == ("sluicectl: invalid rule: field 'port': 'port' is 70000, out of "
                             "range 0 to 65535\n")


def test_admin_rules_are_read_only(sluicectl, private_bus, daemon):
    result = run_cli(sluicectl, "rules", "rm", "admin-81", bus=private_bus)
    assert result.returncode == 3
    assert result.stderr.startswith("sluicectl: access denied: rule 'admin-81' is in ")
    assert result.stderr.endswith("10-admin.yaml (admin rules are read-only)\n")


def test_uid_65534_reads_but_every_change_is_denied(sluicectl, private_bus, daemon):
    listed = run_cli(sluicectl, "--json", "rules", "list", bus=private_bus, as_nobody=True)
    assert listed.returncode == 0, listed.stderr
    assert [r["id"] for r in json.loads(listed.stdout)] == ["admin-81"]
    for command in (["rules", "add", "--action", "allow", "--port", "1"], ["disable"],
                    ["reload"]):
        result = run_cli(sluicectl, *command, bus=private_bus, as_nobody=True)
        assert result.returncode == 3, (command, result.stderr)
        assert result.stderr.startswith("sluicectl: access denied"), result.stderr
        assert result.stderr.count("\n") == 1
    assert cli_json(sluicectl, "status", bus=private_bus)["enabled"] is True
    assert [r["id"] for r in cli_json(sluicectl, "rules", "list", bus=private_bus)] == ["admin-81"]


def test_monitor_streams_a_real_decision(sluicectl, private_bus, topology, daemon):
    monitor = subprocess.Popen([sluicectl, "--bus", private_bus.address, "--json", "monitor"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert monitor.stderr.readline().startswith("sluicectl: monitoring sluiced")
        client = curl(topology, 81)
        assert client.communicate(timeout=30)[0] == "200"
        event = json.loads(monitor.stdout.readline())
        assert event["event"] == "ConnectionDecided"
        assert event["connection"]["verdict"] == "allow"
        assert event["connection"]["rule"] == "admin-81"
        assert (event["connection"]["dst"], event["connection"]["dport"]) == (SERVER_V4, 81)
    finally:
        monitor.kill()
        monitor.wait()


def test_terminal_agent_on_a_pty_approves_a_waiting_connection(sluicectl, private_bus, topology,
                                                              daemon):
    agent = PtyProcess([sluicectl, "--bus", private_bus.address, "prompt"])
    try:
        agent.expect(r"Waiting for connections to decide \(Ctrl-C to stop\)\.")
        wait_for(lambda: cli_json(sluicectl, "status", bus=private_bus)["agents"] == 1, 10,
                 "the agent to be registered")

        client = curl(topology, 80)
        agent.expect(r"Connection waiting for a decision \(prompt [^)]+\):")
        agent.expect(rf"to:\s+{SERVER_V4.replace('.', '[.]')}:80 tcp")
        agent.expect(r"\[a\]llow, \[d\]eny or \[r\]eject\? ")
        assert client.poll() is None, "the connection must wait for the answer"
        agent.send("a\n")
        agent.expect(r"\[f\]orever, or a duration like 1h: ")
        agent.send("f\n")
        agent.expect(r"Answered: allow, forever\.")
        assert client.communicate(timeout=30)[0] == "200"

        state_rules = [r for r in cli_json(sluicectl, "rules", "list", bus=private_bus)
                       if r["source"] == "state"]
        assert len(state_rules) == 1
        assert state_rules[0]["action"] == "allow"
        assert state_rules[0]["port"] == ["80"]

        prompts_before = cli_json(sluicectl, "status", bus=private_bus).get("prompts")
        again = curl(topology, 80)
        assert again.communicate(timeout=30)[0] == "200"
        assert cli_json(sluicectl, "status", bus=private_bus).get("prompts") == prompts_before
        assert agent.screen.count("Connection waiting for a decision") == 1
        assert agent.interrupt() == 0
        wait_for(lambda: cli_json(sluicectl, "status", bus=private_bus)["agents"] == 0, 10,
                 "the agent to be unregistered")
    finally:
        agent.close()
