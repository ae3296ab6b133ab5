"""Authorization (uid mode, as in CI where no polkitd runs): everyone reads, only root and the
admin group change anything, and what root changes persists across a restart."""

import pytest

from bus_harness import NOBODY, busctl, call, gdbus_call, rule_ids
from harness import SERVER_V4, run

ADMIN_RULES = {"admin.yaml": "rules:\n  - id: admin-web\n    action: allow\n    port: 80\n"}
DENIED = ("GDBus.Error:org.sluice.Firewall1.Error.AccessDenied: uid 65534 may not change the "
          "firewall (root and members of group 'sluice' may)")


def connects(topology, port):
    result = topology.ns(topology.client, ["nc", "-z", "-w", "2", SERVER_V4, str(port)],
                         check=False, timeout=15)
    return result.returncode == 0


def test_every_read_works_for_an_unprivileged_user(start_daemon, bus):
    start_daemon(rules=ADMIN_RULES)
    status = call(bus, "GetStatus", uid=NOBODY)[0]
    assert status["enabled"]["data"] is True
    assert status["authorization"]["data"] == "uid"
    rules = call(bus, "ListRules", uid=NOBODY)[0]
    assert [r["id"]["data"] for r in rules] == ["admin-web"]
    rule = call(bus, "GetRule", "s", "admin-web", uid=NOBODY)[0]
    assert rule["action"]["data"] == "allow"
    assert rule["port"]["data"] == ["80"]
    assert rule["source"]["data"].endswith("/rules.d/admin.yaml")
    assert rule["hits"]["type"] == "t"
    assert isinstance(call(bus, "ListConnections", uid=NOBODY)[0], list)
    for prop, expected in (("Version", '"0.1.0"'), ("Enabled", "true"), ("Fail", '"open"'),
                           ("DefaultAction", '"prompt"')):
        out = busctl(bus, "get-property", "org.sluice.Firewall1", "/org/sluice/Firewall1",
                     "org.sluice.Firewall1", prop, uid=NOBODY).stdout.split(maxsplit=1)[1]
        assert out.strip() == expected
    missing = gdbus_call(bus, "GetRule", "nope", uid=NOBODY)
    assert "GDBus.Error:org.sluice.Firewall1.Error.NotFound: no rule 'nope'" in missing.stderr


def test_unprivileged_changes_are_denied_and_change_nothing(start_daemon, bus, topology):
    topology.start_servers([80, 81])
    daemon = start_daemon(config="default_action: allow\n", rules=ADMIN_RULES)
    added = call(bus, "AddRule", "a{sv}", 2, "action", "s", "allow", "port", "q", 8080)[0]
    before_rules = rule_ids(bus)
    state_before = daemon.state.read_text()
    attempts = [
        ("AddRule", "{'action': <'deny'>, 'port': <uint16 81>}"),
        ("UpdateRule", added, "{'action': <'deny'>}"),
        ("RemoveRule", added),
        ("RemoveRule", "admin-web"),
        ("SetEnabled", "false"),
        ("Reload",),
    ]
    reloads = daemon.text().count("reloading configuration and rules")
    for method, *args in attempts:
        result = gdbus_call(bus, method, *args, uid=NOBODY)
        assert result.returncode != 0, f"{method} succeeded as uid {NOBODY}"
        assert DENIED in result.stderr, f"{method}: {result.stderr}"
    assert rule_ids(bus) == before_rules
    assert daemon.state.read_text() == state_before
    assert call(bus, "GetStatus")[0]["enabled"]["data"] is True
    assert daemon.text().count("reloading configuration and rules") == reloads
    assert connects(topology, 81)


def test_root_changes_take_effect_and_persist_across_restart(start_daemon, bus, topology):
    topology.start_servers([80, 81])
    daemon = start_daemon(config="default_action: allow\n", rules=ADMIN_RULES)
    assert connects(topology, 81)
    deny_81 = call(bus, "AddRule", "a{sv}", 3, "action", "s", "deny", "port", "q", 81,
                   "protocol", "s", "tcp")[0]
    temporary = call(bus, "AddRule", "a{sv}", 2, "id", "s", "temporary", "action", "s",
                     "allow")[0]
    assert temporary == "temporary"
    assert not connects(topology, 81)
    call(bus, "UpdateRule", "sa{sv}", deny_81, 1, "comment", "s", "no 81")
    call(bus, "RemoveRule", "s", "temporary")
    call(bus, "SetEnabled", "b", "false")
    assert call(bus, "GetStatus")[0]["enabled"]["data"] is False
    assert connects(topology, 81)  # filtering off: accepted, marked allow-disabled
    call(bus, "SetEnabled", "b", "true")
    reloads = daemon.text().count("reloading configuration and rules")
    call(bus, "Reload")
    assert daemon.text().count("reloading configuration and rules") == reloads + 1

    daemon.restart()
    assert rule_ids(bus) == ["admin-web", deny_81]
    rule = call(bus, "GetRule", "s", deny_81)[0]
    assert rule["comment"]["data"] == "no 81"
    assert rule["source"]["data"] == "state"
    assert "created" in rule
    assert not connects(topology, 81)
    assert connects(topology, 80)


def test_admin_rules_are_read_only_even_for_root(start_daemon, bus):
    start_daemon(rules=ADMIN_RULES)
    result = gdbus_call(bus, "RemoveRule", "admin-web")
    assert result.returncode != 0
    assert "GDBus.Error:org.sluice.Firewall1.Error.AccessDenied: rule 'admin-web' is in " in \
        result.stderr
    assert "(admin rules are read-only)" in result.stderr
    assert rule_ids(bus) == ["admin-web"]
