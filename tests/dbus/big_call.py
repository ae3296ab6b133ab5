"""Sends calls too big for any rule: AddRule with a 1 MB comment and GetRule with a 1 MB id.
Prints one JSON line of {method: [error name, message]}."""

import json
import sys

import dbus

address = sys.argv[1]
bus = dbus.bus.BusConnection(address)
firewall = dbus.Interface(bus.get_object("org.sluice.Firewall1", "/org/sluice/Firewall1"),
                          "org.sluice.Firewall1")
huge = "x" * (1024 * 1024)
outcome = {}
for method, call in (
        ("AddRule", lambda: firewall.AddRule(
            dbus.Dictionary({"action": "allow", "comment": huge}, signature="sv"))),
        ("GetRule", lambda: firewall.GetRule(huge))):
    try:
        call()
        outcome[method] = ["ok", ""]
    except dbus.DBusException as failure:
        outcome[method] = [failure.get_dbus_name(), failure.get_dbus_message()[:200]]
print(json.dumps(outcome))
