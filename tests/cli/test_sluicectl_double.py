"""sluicectl against a python3-dbus stand-in for sluiced on a private bus: output formats, the
exact user-visible errors and exit codes, the D-Bus types it sends, monitor, and the prompt
agent protocol (the real daemon's side is in test_sluicectl_daemon.py)."""

import json
import signal
import subprocess
from pathlib import Path

import dbus
import pytest

from cli_support import PtyProcess, cli_json, run_cli
from harness import wait_for

CONNECTION = dbus.Dictionary({
    "pid": dbus.UInt32(4242), "exe": "/usr/bin/curl",
    "cmdline": dbus.Array(["curl", "http://example.com/"], signature="s"),
    "uid": dbus.UInt32(1000), "user": "alice", "protocol": "tcp", "src": "10.77.0.1",
    "sport": dbus.UInt16(40000), "dst": "10.77.0.2", "dport": dbus.UInt16(80),
    "host": "example.com", "direction": "out"}, signature="sv")


def test_no_daemon_on_the_bus_is_one_clear_line(sluicectl, private_bus):
    result = run_cli(sluicectl, "status", bus=private_bus)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"sluicectl: sluiced is not running on the bus at "
                             f"{private_bus.address} (org.sluice.Firewall1 not found)\n")


def test_unreachable_system_bus_is_one_clear_line(sluicectl, tmp_path):
    missing = tmp_path / "no-bus"
    result = run_cli(sluicectl, "status",
                     env={"SLUICE_BUS": f"unix:path={missing}"})
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"sluicectl: cannot connect to the bus at unix:path={missing}: ")
    assert result.stderr.count("\n") == 1


def test_sluice_bus_environment_selects_the_bus(sluicectl, private_bus, double):
    result = run_cli(sluicectl, "--json", "status", env={"SLUICE_BUS": private_bus.address})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["version"] == "0.1.0"


def test_status_is_aligned_key_value_lines(sluicectl, private_bus, double):
    result = run_cli(sluicectl, "status", bus=private_bus)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:5] == [
        "version:          0.1.0",
        "enabled:          yes",
        "fail:             open",
        "default_action:   prompt",
        "rules:            2",
    ]


def test_rules_list_json_is_a_list_of_rule_objects(sluicectl, private_bus, double):
    rules = cli_json(sluicectl, "rules", "list", bus=private_bus)
    assert [rule["id"] for rule in rules] == ["web", "no-tracker"]
    assert rules[0]["host"] == ["example.com", "*.example.org"]
    assert rules[0]["hits"] == 42
    assert rules[0]["log"] is False


def test_rules_list_table_shows_id_action_match_source_hits(sluicectl, private_bus, double):
    result = run_cli(sluicectl, "rules", "list", bus=private_bus)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "ACTION", "MATCH", "SOURCE", "HITS"]
    assert lines[1].split() == ["web", "allow", "process=/usr/bin/curl",
                                "host=example.com,*.example.org", "port=80,443", "protocol=tcp",
                                "/etc/sluice/rules.d/50-web.yaml", "42"]
    assert lines[2].split() == ["no-tracker", "deny", "host=tracker.example", "state", "0"]


def test_rules_add_sends_typed_fields_and_prints_the_new_id(sluicectl, private_bus, double):
    result = run_cli(sluicectl, "rules", "add", "--action", "allow", "--process",
                     "/usr/bin/wget", "--host", "a.example", "--host", "b.example", "--port",
                     "443", "--priority", "5", "--log", "--duration", "1h", bus=private_bus)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "state-1\n"
    (call,) = double.calls("AddRule")
    assert call["args"][0] == {"type": "a{sv}", "value": {
        "action": {"type": "s", "value": "allow"},
        "process": {"type": "s", "value": "/usr/bin/wget"},
        "host": {"type": "as", "value": [{"type": "s", "value": "a.example"},
                                         {"type": "s", "value": "b.example"}]},
        "port": {"type": "s", "value": "443"},
        "priority": {"type": "i", "value": 5},
        "log": {"type": "b", "value": True},
        "duration": {"type": "s", "value": "1h"},
    }}
    assert cli_json(sluicectl, "rules", "show", "state-1", bus=private_bus)["process"] == \
        "/usr/bin/wget"


def test_rules_add_json_prints_an_object(sluicectl, private_bus, double):
    assert cli_json(sluicectl, "rules", "add", "--action", "deny", "--ip", "10.0.0.0/8",
                    bus=private_bus) == {"id": "state-1"}


def test_refused_rule_shows_the_daemons_reason(sluicectl, private_bus, double):
    result = run_cli(sluicectl, "rules", "add", "--action", "perhaps", bus=private_bus)
    assert result.returncode == 1
    assert result.stderr == ("sluicectl: invalid rule: field 'action': 'action' must be one of "
                             "allow, deny, reject, prompt\n")


def test_rules_edit_sends_only_the_changes_and_empty_values_for_unset(sluicectl, private_bus,
                                                                       double):
    result = run_cli(sluicectl, "rules", "edit", "web", "--port", "8080", "--unset", "host",
                     bus=private_bus)
    assert result.returncode == 0, result.stderr
    (call,) = double.calls("UpdateRule")
    assert call["args"][0] == {"type": "s", "value": "web"}
    assert call["args"][1]["value"] == {"port": {"type": "s", "value": "8080"},
                                        "host": {"type": "s", "value": ""}}
    rule = cli_json(sluicectl, "rules", "show", "web", bus=private_bus)
    assert rule["port"] == "8080" and "host" not in rule


def test_rules_rm_removes_each_and_stops_at_the_first_error(sluicectl, private_bus, double):
    result = run_cli(sluicectl, "rules", "rm", "no-tracker", "missing", "web", bus=private_bus)
    assert result.returncode == 1
    assert result.stderr == "sluicectl: not found: no rule 'missing'\n"
    assert [c["args"][0]["value"] for c in double.calls("RemoveRule")] == ["no-tracker", "missing"]
    assert [r["id"] for r in cli_json(sluicectl, "rules", "list", bus=private_bus)] == ["web"]


@pytest.mark.parametrize("command", [
    ["rules", "add", "--action", "allow", "--host", "x.example"],
    ["rules", "rm", "web"],
    ["rules", "edit", "web", "--port", "1"],
    ["disable"],
    ["enable"],
    ["reload"],
])
def test_access_denied_exits_3_with_one_line(sluicectl, private_bus, denying_double, command):
    result = run_cli(sluicectl, *command, bus=private_bus)
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert result.stderr == ("sluicectl: access denied: uid 65534 may not change sluice "
                             "(root or group sluice)\n")


def test_enable_disable_reload_reach_the_daemon(sluicectl, private_bus, double):
    for command in (["disable"], ["enable"], ["reload"]):
        result = run_cli(sluicectl, *command, bus=private_bus)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert [(c["method"], c["args"]) for c in double.calls()
            if c["method"] in ("SetEnabled", "Reload")] == [
        ("SetEnabled", [{"type": "b", "value": False}]),
        ("SetEnabled", [{"type": "b", "value": True}]),
        ("Reload", []),
    ]


def test_connections_table_and_json(sluicectl, private_bus, double):
    table = run_cli(sluicectl, "connections", bus=private_bus)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[1].split() == [
        "/usr/bin/curl", "4242", "alice", "tcp", "out", "example.com", "(10.77.0.2):80", "allow",
        "web"]
    (flow,) = cli_json(sluicectl, "connections", bus=private_bus)
    assert flow["dport"] == 80 and flow["cmdline"] == ["curl", "http://example.com/"]


def test_monitor_prints_decisions_and_prompts_until_interrupted(sluicectl, private_bus, double):
    decided = dbus.Dictionary(dict(CONNECTION, verdict="deny", rule="no-web"), signature="sv")
    for json_mode in (False, True):
        args = [sluicectl, "--bus", private_bus.address, "monitor"]
        args += ["--json"] if json_mode else []
        monitor = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert monitor.stderr.readline() == (
                f"sluicectl: monitoring sluiced on the bus at {private_bus.address} "
                "(Ctrl-C to stop)\n")
            double.control.EmitDecided(decided)
            double.control.EmitPromptPending("7", CONNECTION)
            first, second = monitor.stdout.readline(), monitor.stdout.readline()
            monitor.send_signal(signal.SIGINT)
            assert monitor.wait(timeout=10) == 0
        finally:
            monitor.kill()
            monitor.wait()
        if json_mode:
            event = json.loads(first)
            assert event["event"] == "ConnectionDecided"
            assert event["connection"]["verdict"] == "deny"
            assert event["connection"]["dport"] == 80
            assert event["time"].endswith("Z")
            prompt = json.loads(second)
            assert (prompt["event"], prompt["prompt_id"]) == ("PromptPending", "7")
        else:
            assert first.split()[1:] == ["deny", "/usr/bin/curl[4242]", "alice", "tcp", "out",
                                         "example.com", "(10.77.0.2):80", "rule=no-web"]
            assert second.split()[1:4] == ["prompt", "7", "/usr/bin/curl[4242]"]


def test_monitor_without_daemon_fails_at_once(sluicectl, private_bus):
    result = run_cli(sluicectl, "monitor", bus=private_bus, timeout=10)
    assert result.returncode == 1
    assert result.stderr.endswith("(org.sluice.Firewall1 not found)\n")


def start_prompt_agent(sluicectl, private_bus, double, *options):
    agent = PtyProcess([sluicectl, "--bus", private_bus.address, "prompt", *options])
    agent.expect(r"Waiting for connections to decide \(Ctrl-C to stop\)\.")
    assert double.agents()[-1][1] == "/org/sluice/PromptAgent1/sluicectl"
    return agent


def wait_answer(double, prompt_id, timeout=10):
    return wait_for(lambda: double.answer(prompt_id), timeout, f"answer to prompt {prompt_id}")


def test_prompt_agent_answers_allow_forever_typed_at_the_terminal(sluicectl, private_bus, double):
    agent = start_prompt_agent(sluicectl, private_bus, double)
    try:
        double.control.AskAgent("p1", CONNECTION)
        agent.expect(r"Connection waiting for a decision \(prompt p1\):")
        agent.expect(r"process:\s+/usr/bin/curl \(pid 4242\)")
        agent.expect(r"user:\s+alice \(uid 1000\)")
        agent.expect(r"to:\s+example\.com \(10\.77\.0\.2\):80 tcp")
        agent.expect(r"\[a\]llow, \[d\]eny or \[r\]eject\? ")
        assert double.answer("p1") is None
        agent.send("a\n")
        agent.expect(r"\[f\]orever, or a duration like 1h: ")
        agent.send("f\n")
        assert wait_answer(double, "p1") == {"decision": {
            "action": "allow", "scope": "forever", "match_host": "exact", "match_port": True,
            "match_user": True}}
        assert agent.interrupt() == 0
    finally:
        agent.close()
    assert double.calls("UnregisterAgent")[-1]["args"][0]["value"] == \
        "/org/sluice/PromptAgent1/sluicectl"


def test_prompt_agent_queues_prompts_and_withdraws_cancelled_ones(sluicectl, private_bus, double):
    agent = start_prompt_agent(sluicectl, private_bus, double, "--any-port", "--match-host",
                               "domain")
    try:
        for prompt_id in ("p1", "p2", "p3"):
            double.control.AskAgent(prompt_id, CONNECTION)
        agent.expect(r"\(prompt p1\):")
        double.control.CancelAgent("p1")
        agent.expect(r"prompt p1 withdrawn: it timed out or was answered elsewhere")
        assert wait_answer(double, "p1")["error"] == "org.sluice.PromptAgent1.Error.Withdrawn"
        agent.expect(r"\(prompt p2, 1 more waiting\):")
        agent.send("d 30m\n")
        assert wait_answer(double, "p2") == {"decision": {
            "action": "deny", "scope": "forever", "duration": "30m", "match_host": "domain",
            "match_port": False, "match_user": True}}
        agent.expect(r"\(prompt p3\):")
        agent.send("r\n")
        agent.expect(r"or a duration like 1h: ")
        agent.send("o\n")
        assert wait_answer(double, "p3")["decision"]["scope"] == "once"
        assert agent.interrupt() == 0
    finally:
        agent.close()


def test_prompt_agent_refuses_callers_other_than_the_daemon(sluicectl, private_bus, double):
    agent = start_prompt_agent(sluicectl, private_bus, double)
    try:
        sender, path = double.agents()[-1]
        impostor = dbus.Interface(private_bus.connection().get_object(sender, path),
                                  "org.sluice.PromptAgent1")
        with pytest.raises(dbus.DBusException) as refused:
            impostor.RequestDecision("fake", CONNECTION)
        assert refused.value.get_dbus_name() == "org.sluice.PromptAgent1.Error.AccessDenied"
        assert "fake" not in agent.screen
    finally:
        agent.close()


def test_prompt_agent_end_of_input_withdraws_and_exits(sluicectl, private_bus, double):
    agent = start_prompt_agent(sluicectl, private_bus, double)
    try:
        double.control.AskAgent("p1", CONNECTION)
        agent.expect(r"\(prompt p1\):")
        agent.send("\x04")  # Ctrl-D at the start of a line: end of input
        assert agent.process.wait(timeout=10) == 0
        assert wait_answer(double, "p1") == {
            "error": "org.sluice.PromptAgent1.Error.Withdrawn",
            "message": "the terminal prompt agent stopped"}
    finally:
        agent.close()


def write(path, text):
    path.write_text(text)
    return str(path)


def test_rules_check_prints_each_problem_with_its_position(sluicectl, tmp_path):
    good = write(tmp_path / "good.yaml", "rules:\n  - id: a\n    action: allow\n    port: 80\n")
    bad = write(tmp_path / "bad.yaml",
                "rules:\n"
                "  - id: a\n    action: allow\n    port: 70000\n"
                "  - id: b\n    action: maybe\n    colour: red\n")
    result = run_cli(sluicectl, "rules", "check", good, bad)
    assert result.returncode == 1
    assert result.stdout == f"{good}: ok, 1 rule\n"
    assert result.stderr.splitlines() == [
        f"{bad}:4:11: error: 'port' is 70000, out of range 0 to 65535",
        f"{bad}:7:5: error: unknown key 'colour' in rule",
        f"{bad}:6:13: error: 'action' must be one of allow, deny, reject, prompt, not 'maybe'",
    ]


def test_rules_check_validates_list_files_and_json_parses(sluicectl, tmp_path):
    hosts = write(tmp_path / "hosts.txt", "example.com\nbad..name\n")
    ips = write(tmp_path / "ips.txt", "10.0.0.0/8\n")
    rules = write(tmp_path / "lists.yaml",
                  f"rules:\n  - id: a\n    action: deny\n    host_list: {hosts}\n")
    result = run_cli(sluicectl, "--json", "rules", "check", rules, "--ip-list", ips)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["clean"] is False
    assert [(f["kind"], f["clean"], f["entries"]) for f in report["files"]] == [
        ("rules", False, 0), ("ip_list", True, 1)]
    assert report["errors"][0]["file"] == hosts
    assert report["errors"][0]["line"] == 2
    assert report["errors"][1]["file"] == rules
    clean = run_cli(sluicectl, "rules", "check", "--ip-list", ips)
    assert (clean.returncode, clean.stdout) == (0, f"{ips}: ok, 1 entry\n")


def test_shipped_rule_files_pass_rules_check(sluicectl):
    shipped = sorted(str(p) for p in (Path(__file__).resolve().parents[2] / "config" / "rules.d")
                     .glob("*.yaml"))
    assert shipped
    result = run_cli(sluicectl, "rules", "check", *shipped)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_usage_errors_are_one_line_with_exit_1(sluicectl):
    for args, message in (
            ([], "no command given"),
            (["rules", "frob"],
             "unknown rules command 'frob'; use list, show, add, rm, edit or check"),
            (["rules", "add", "--host", "x"],
             "'rules add' needs --action allow|deny|reject|prompt"),
            (["--bus", "nowhere", "status"],
             None)):
        result = run_cli(sluicectl, *args)
        assert result.returncode == 1
        assert result.stdout == ""
        if message is None:
            assert result.stderr == (
                "sluicectl: --bus must be system, session or a bus address such as "
                "unix:path=/run/dbus/system_bus_socket, not 'nowhere'\n")
        else:
            assert result.stderr == f"sluicectl: {message} (see sluicectl --help)\n"


def test_help_documents_every_command_option_and_exit_code(sluicectl):
    result = run_cli(sluicectl, "--help")
    assert result.returncode == 0
    text = result.stdout
    for section in ("SYNOPSIS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "EXAMPLES"):
        assert f"\n{section}\n" in text
    for command in ("status", "rules list", "rules add", "rules rm ID...", "rules edit ID",
                    "rules check FILE...", "connections", "monitor", "prompt", "enable",
                    "disable", "reload"):
        assert f"\n  {command} " in text, command
    for option in ("--bus", "--json", "--process", "--host", "--ip", "--port", "--local-port",
                   "--user", "--group", "--protocol", "--direction", "--duration", "--expires",
                   "--priority", "--comment", "--unit", "--package", "--interface", "--log",
                   "--unset", "--host-list", "--ip-list", "--match-host", "--any-port",
                   "--any-user", "SLUICE_BUS"):
        assert option in text, option
    assert "\n  3  access denied" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    version = run_cli(sluicectl, "--version")
    assert (version.returncode, version.stdout) == (0, "sluicectl 0.1.0\n")
