"""A stand-in for sluiced on a private bus: org.sluice.Firewall1 at /org/sluice/Firewall1 with
in-memory rules, written with python3-dbus (not sdbus-c++), so sluicectl's error, formatting
and prompt-agent paths can be tested without netfilter. A second interface, org.sluice.Test1,
lets the test see the calls sluicectl made (with their D-Bus types), emit signals, and play
the daemon's side of the prompt agent protocol.

    firewall_double.py ADDRESS [--deny-modify]

Prints "ready" once it owns org.sluice.Firewall1."""

import argparse
import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

SERVICE = "org.sluice.Firewall1"
PATH = "/org/sluice/Firewall1"
TEST_INTERFACE = "org.sluice.Test1"
AGENT_INTERFACE = "org.sluice.PromptAgent1"


class AccessDenied(dbus.DBusException):
    _dbus_error_name = SERVICE + ".Error.AccessDenied"


class NotFound(dbus.DBusException):
    _dbus_error_name = SERVICE + ".Error.NotFound"


class InvalidRule(dbus.DBusException):
    _dbus_error_name = SERVICE + ".Error.InvalidRule"


def typed(value):
    """A D-Bus value as JSON that keeps its type: {"type": SIGNATURE, "value": ...}."""
    kinds = ((dbus.Boolean, "b"), (dbus.Byte, "y"), (dbus.Int16, "n"), (dbus.UInt16, "q"),
             (dbus.Int32, "i"), (dbus.UInt32, "u"), (dbus.Int64, "x"), (dbus.UInt64, "t"),
             (dbus.Double, "d"), (dbus.ObjectPath, "o"), (dbus.String, "s"))
    converters = {"b": bool, "o": str, "s": str, "d": float}
    for kind, signature in kinds:
        if isinstance(value, kind):
            return {"type": signature, "value": converters.get(signature, int)(value)}
    if isinstance(value, dbus.Dictionary):
        return {"type": "a{" + value.signature + "}",
                "value": {str(k): typed(v) for k, v in value.items()}}
    if isinstance(value, dbus.Array):
        return {"type": "a" + value.signature, "value": [typed(v) for v in value]}
    return {"type": "?", "value": repr(value)}


def plain(value):
    """typed() without the types: what a client would print."""
    entry = typed(value)

    def strip(item):
        if isinstance(item["value"], dict):
            return {k: strip(v) for k, v in item["value"].items()}
        if isinstance(item["value"], list):
            return [strip(v) for v in item["value"]]
        return item["value"]
    return strip(entry)


def rule(**fields):
    return dbus.Dictionary(fields, signature="sv")


class Firewall(dbus.service.Object):
    def __init__(self, bus, deny_modify):
        super().__init__(bus, PATH)
        self.bus = bus
        self.deny_modify = deny_modify
        self.calls = []
        self.enabled = True
        self.next_id = 1
        self.agents = []
        self.answers = {}
        self.rules = {
            "web": rule(id="web", action="allow", process="/usr/bin/curl",
                        host=dbus.Array(["example.com", "*.example.org"], signature="s"),
                        port=dbus.Array(["80", "443"], signature="s"), protocol="tcp",
                        priority=dbus.Int32(0), log=dbus.Boolean(False),
                        source="/etc/sluice/rules.d/50-web.yaml", hits=dbus.UInt64(42)),
            "no-tracker": rule(id="no-tracker", action="deny", host="tracker.example",
                               source="state", created="2026-01-01T00:00:00Z",
                               hits=dbus.UInt64(0)),
        }

    def record(self, method, *args):
        self.calls.append({"method": method, "args": [typed(a) for a in args]})

    def check_modify(self):
        if self.deny_modify:
            raise AccessDenied("uid 65534 may not change sluice (root or group sluice)")

    # org.sluice.Firewall1

    @dbus.service.method(SERVICE, in_signature="", out_signature="aa{sv}")
    def ListRules(self):
        self.record("ListRules")
        return dbus.Array(list(self.rules.values()), signature="a{sv}")

    @dbus.service.method(SERVICE, in_signature="s", out_signature="a{sv}")
    def GetRule(self, rule_id):
        self.record("GetRule", rule_id)
        if rule_id not in self.rules:
            raise NotFound(f"no rule '{rule_id}'")
        return self.rules[rule_id]

    @dbus.service.method(SERVICE, in_signature="a{sv}", out_signature="s")
    def AddRule(self, new_rule):
        self.record("AddRule", new_rule)
        self.check_modify()
        if str(new_rule.get("action", "")) not in ("allow", "deny", "reject", "prompt"):
            raise InvalidRule("field 'action': 'action' must be one of allow, deny, reject, prompt")
        rule_id = f"state-{self.next_id}"
        self.next_id += 1
        stored = rule(**{str(k): v for k, v in new_rule.items()})
        stored["id"] = rule_id
        stored["source"] = "state"
        stored["hits"] = dbus.UInt64(0)
        self.rules[rule_id] = stored
        self.RuleAdded(rule_id, stored)
        return rule_id

    @dbus.service.method(SERVICE, in_signature="sa{sv}", out_signature="")
    def UpdateRule(self, rule_id, changes):
        self.record("UpdateRule", rule_id, changes)
        self.check_modify()
        if rule_id not in self.rules:
            raise NotFound(f"no rule '{rule_id}'")
        for key, value in changes.items():
            if isinstance(value, (dbus.String, dbus.Array)) and len(value) == 0:
                self.rules[rule_id].pop(key, None)
            else:
                self.rules[rule_id][key] = value

    @dbus.service.method(SERVICE, in_signature="s", out_signature="")
    def RemoveRule(self, rule_id):
        self.record("RemoveRule", rule_id)
        self.check_modify()
        if rule_id not in self.rules:
            raise NotFound(f"no rule '{rule_id}'")
        del self.rules[rule_id]

    @dbus.service.method(SERVICE, in_signature="", out_signature="aa{sv}")
    def ListConnections(self):
        self.record("ListConnections")
        return dbus.Array([dbus.Dictionary({
            "pid": dbus.UInt32(4242), "exe": "/usr/bin/curl",
            "cmdline": dbus.Array(["curl", "http://example.com/"], signature="s"),
            "uid": dbus.UInt32(1000), "user": "alice", "protocol": "tcp",
            "src": "10.77.0.1", "sport": dbus.UInt16(40000), "dst": "10.77.0.2",
            "dport": dbus.UInt16(80), "host": "example.com", "direction": "out",
            "verdict": "allow", "rule": "web", "reason": "rule"}, signature="sv")],
            signature="a{sv}")

    @dbus.service.method(SERVICE, in_signature="", out_signature="a{sv}")
    def GetStatus(self):
        self.record("GetStatus")
        return dbus.Dictionary({
            "version": "0.1.0", "enabled": dbus.Boolean(self.enabled), "fail": "open",
            "default_action": "prompt", "rules": dbus.UInt32(len(self.rules)),
            "agents": dbus.UInt32(len(self.agents)), "pending_prompts": dbus.UInt32(0),
            "queued": dbus.UInt64(10), "dropped": dbus.UInt64(0),
            "user_dropped": dbus.UInt64(0)}, signature="sv")

    @dbus.service.method(SERVICE, in_signature="b", out_signature="")
    def SetEnabled(self, enabled):
        self.record("SetEnabled", enabled)
        self.check_modify()
        self.enabled = bool(enabled)

    @dbus.service.method(SERVICE, in_signature="", out_signature="")
    def Reload(self):
        self.record("Reload")
        self.check_modify()

    @dbus.service.method(SERVICE, in_signature="o", out_signature="", sender_keyword="sender")
    def RegisterAgent(self, path, sender=None):
        self.record("RegisterAgent", path)
        self.agents.append((str(sender), str(path)))

    @dbus.service.method(SERVICE, in_signature="o", out_signature="", sender_keyword="sender")
    def UnregisterAgent(self, path, sender=None):
        self.record("UnregisterAgent", path)
        self.agents = [a for a in self.agents if a != (str(sender), str(path))]

    @dbus.service.signal(SERVICE, signature="sa{sv}")
    def RuleAdded(self, rule_id, added):
        pass

    @dbus.service.signal(SERVICE, signature="a{sv}")
    def ConnectionDecided(self, connection):
        pass

    @dbus.service.signal(SERVICE, signature="sa{sv}")
    def PromptPending(self, prompt_id, connection):
        pass

    # org.sluice.Test1: the test's handle on this double

    @dbus.service.method(TEST_INTERFACE, in_signature="", out_signature="s")
    def Calls(self):
        return json.dumps(self.calls)

    @dbus.service.method(TEST_INTERFACE, in_signature="", out_signature="s")
    def Agents(self):
        return json.dumps(self.agents)

    @dbus.service.method(TEST_INTERFACE, in_signature="a{sv}", out_signature="")
    def EmitDecided(self, connection):
        self.ConnectionDecided(connection)

    @dbus.service.method(TEST_INTERFACE, in_signature="sa{sv}", out_signature="")
    def EmitPromptPending(self, prompt_id, connection):
        self.PromptPending(prompt_id, connection)

    @dbus.service.method(TEST_INTERFACE, in_signature="sa{sv}", out_signature="")
    def AskAgent(self, prompt_id, connection):
        """Calls RequestDecision on the last registered agent without waiting, as sluiced does;
        Answer(prompt_id) shows the outcome."""
        sender, path = self.agents[-1]
        agent = dbus.Interface(self.bus.get_object(sender, path), AGENT_INTERFACE)
        key = str(prompt_id)

        def answered(decision):
            self.answers[key] = {"decision": plain(decision)}

        def failed(error):
            self.answers[key] = {"error": error.get_dbus_name(),
                                 "message": error.get_dbus_message()}

        agent.RequestDecision(prompt_id, connection, reply_handler=answered,
                              error_handler=failed, timeout=120)

    @dbus.service.method(TEST_INTERFACE, in_signature="s", out_signature="")
    def CancelAgent(self, prompt_id):
        sender, path = self.agents[-1]
        agent = dbus.Interface(self.bus.get_object(sender, path), AGENT_INTERFACE)
        agent.Cancel(prompt_id, reply_handler=lambda: None, error_handler=lambda e: None)

    @dbus.service.method(TEST_INTERFACE, in_signature="s", out_signature="s")
    def Answer(self, prompt_id):
        return json.dumps(self.answers.get(str(prompt_id)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("address")
    parser.add_argument("--deny-modify", action="store_true")
    args = parser.parse_args()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(args.address)
    firewall = Firewall(bus, args.deny_modify)
    name = dbus.service.BusName(SERVICE, bus)
    print("ready", flush=True)
    GLib.MainLoop().run()
    del firewall, name


if __name__ == "__main__":
    sys.exit(main())
