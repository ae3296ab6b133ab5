"""fw-daemon compatibility: a prompter test double answers through
com.subgraph.FirewallPrompt.RequestPrompt, and com.subgraph.Firewall serves fw-daemon's
settings calls with the signatures its clients use."""

import json
import subprocess

from bus_harness import NOBODY, busctl, gdbus_call
from bus_harness import HERE
from harness import PYTHON, SERVER_V4
from test_prompt_agents import curl

FW = ("com.subgraph.Firewall", "/com/subgraph/Firewall", "com.subgraph.Firewall")


def fw_call(bus, method, *args, uid=None, check=True):
    result = busctl(bus, "--json=short", "call", *FW, method, *map(str, args), uid=uid,
                    check=check)
    return json.loads(result.stdout) if result.returncode == 0 and result.stdout else result


def start_prompter(bus, scope, rule):
    prompter = subprocess.Popen([PYTHON, str(HERE / "fw_prompter.py"), bus.address, str(scope),
                                 rule], stdout=subprocess.PIPE, text=True)
    assert prompter.stdout.readline().strip() == "ready"
    return prompter


def test_fw_daemon_prompter_answer_takes_effect(start_daemon, bus, topology):
    topology.start_servers([80])
    daemon = start_daemon(config="prompt:\n  timeout: 10s\n  no_agent: deny\n",
                          dbus="  fw_daemon_compat: true\n")
    prompter = start_prompter(bus, 3, f"ALLOW|{SERVER_V4}:80|")
    try:
        daemon.wait_log(r"fw-daemon prompter \S+ \(uid 0\) will be asked", 10)
        assert curl(topology)
        asked = json.loads(prompter.stdout.readline())
        assert asked["application"] == "curl" and asked["path"] == "/usr/bin/curl"
        assert asked["ip"] == SERVER_V4 and asked["port"] == 80 and asked["proto"] == "tcp"
        assert asked["uid"] == 0 and asked["user"] == "root" and asked["pid"] > 0
        daemon.wait_log(r"allow out tcp .*:80 .*\(prompt\)")

        listed = fw_call(bus, "ListRules")
        assert listed["type"] == "a(usssusssqsqs)"
        rules = listed["data"][0]
        assert len(rules) == 1
        number, net, origin, proto, pid, privs, app, path, verb, target, mode, sandbox = rules[0]
        assert (app, path, verb, target, mode, proto) == (
            "curl", "/usr/bin/curl", 1, f"{SERVER_V4}:80", 2, "tcp")

        assert curl(topology)  # the rule answers now
        fw_call(bus, "UpdateRule", "(usssusssqsqs)", number, "", "", "", 0, "", "curl",
                "/usr/bin/curl", 0, f"{SERVER_V4}:80", 2, "")
        assert fw_call(bus, "ListRules")["data"][0][0][8] == 0  # DENY now
        assert not curl(topology, timeout=3)
        denied = gdbus_call(bus, "DeleteRule", str(number), uid=NOBODY, service=FW[0],
                            path=FW[1], interface=FW[2])
        assert "Error.AccessDenied" in denied.stderr
        fw_call(bus, "DeleteRule", "u", number)
        assert fw_call(bus, "ListRules")["data"][0] == []
    finally:
        prompter.terminate()
        prompter.wait(timeout=10)


def test_fw_daemon_settings_calls(start_daemon, bus):
    start_daemon(dbus="  fw_daemon_compat: true\n")
    assert fw_call(bus, "IsEnabled")["data"] == [True]
    config = fw_call(bus, "GetConfig")["data"][0]
    assert config["default_action"] == {"type": "q", "data": 0}
    fw_call(bus, "SetConfig", "sv", "prompt_expert", "b", "true")
    assert fw_call(bus, "GetConfig")["data"][0]["prompt_expert"]["data"] is True
    bad = gdbus_call(bus, "SetConfig", "colour", "<'red'>", service=FW[0], path=FW[1],
                     interface=FW[2])
    assert "GDBus.Error:org.freedesktop.DBus.Error.InvalidArgs: unknown config key 'colour'" in \
        bad.stderr
    fw_call(bus, "SetEnabled", "b", "false")
    assert fw_call(bus, "IsEnabled")["data"] == [False]
    fw_call(bus, "SetEnabled", "b", "true")
