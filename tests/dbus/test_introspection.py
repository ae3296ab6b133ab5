"""Introspection pins every signature of the served interfaces, read with two tools that are not
the daemon's binding: busctl (sd-bus) and gdbus (GLib). An accidental change of the XML or of
the generated adaptors fails here."""

import xml.etree.ElementTree as ElementTree

from bus_harness import IFACE, PATH, SERVICE, busctl
from harness import run

# method: (in signature, out signature)
FIREWALL1_METHODS = {
    "ListRules": ("", "aa{sv}"),
    "GetRule": ("s", "a{sv}"),
    "AddRule": ("a{sv}", "s"),
    "UpdateRule": ("sa{sv}", ""),
    "RemoveRule": ("s", ""),
    "ListConnections": ("", "aa{sv}"),
    "GetStatus": ("", "a{sv}"),
    "SetEnabled": ("b", ""),
    "Reload": ("", ""),
    "RegisterAgent": ("o", ""),
    "UnregisterAgent": ("o", ""),
}
FIREWALL1_PROPERTIES = {"Version": "s", "Enabled": "b", "DefaultAction": "s", "Fail": "s"}
FIREWALL1_SIGNALS = {
    "RuleAdded": "sa{sv}",
    "RuleRemoved": "s",
    "RuleChanged": "sa{sv}",
    "ConnectionDecided": "a{sv}",
    "PromptPending": "sa{sv}",
}
FW_DAEMON_METHODS = {
    "SetEnabled": ("b", ""),
    "IsEnabled": ("", "b"),
    "ListRules": ("", "a(usssusssqsqs)"),
    "DeleteRule": ("u", ""),
    "UpdateRule": ("(usssusssqsqs)", ""),
    "GetConfig": ("", "a{sv}"),
    "SetConfig": ("sv", ""),
}


def busctl_members(bus, service, path, interface):
    """{(kind, name): (signature, result)} from busctl introspect's table."""
    table = busctl(bus, "introspect", "--no-pager", "--no-legend", service, path, interface).stdout
    members = {}
    for line in table.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[0].startswith("."):
            signature = "" if fields[2] == "-" else fields[2]
            result = "" if fields[3] == "-" else fields[3]
            members[(fields[1], fields[0][1:])] = (signature, result)
    return members


def gdbus_interface(bus, service, path, interface):
    xml = run(["gdbus", "introspect", "--address", bus.address, "--dest", service,
               "--object-path", path, "--xml"]).stdout
    for node in ElementTree.fromstring(xml).iter("interface"):
        if node.get("name") == interface:
            return node
    raise AssertionError(f"{interface} missing from gdbus introspect:\n{xml}")


def gdbus_methods(node):
    methods = {}
    for method in node.iter("method"):
        args = method.findall("arg")
        methods[method.get("name")] = (
            "".join(a.get("type") for a in args if a.get("direction", "in") == "in"),
            "".join(a.get("type") for a in args if a.get("direction") == "out"))
    return methods


def test_busctl_sees_every_pinned_signature(start_daemon, bus):
    start_daemon()
    members = busctl_members(bus, SERVICE, PATH, IFACE)
    methods = {name: sig for (kind, name), sig in members.items() if kind == "method"}
    assert methods == FIREWALL1_METHODS
    properties = {name: sig[0] for (kind, name), sig in members.items() if kind == "property"}
    assert properties == FIREWALL1_PROPERTIES
    signals = {name: sig[0] for (kind, name), sig in members.items() if kind == "signal"}
    assert signals == FIREWALL1_SIGNALS


def test_gdbus_sees_every_pinned_signature_and_can_call(start_daemon, bus):
    start_daemon()
    node = gdbus_interface(bus, SERVICE, PATH, IFACE)
    assert gdbus_methods(node) == FIREWALL1_METHODS
    assert {p.get("name"): p.get("type") for p in node.iter("property")} == FIREWALL1_PROPERTIES
    assert {s.get("name"): "".join(a.get("type") for a in s.iter("arg"))
            for s in node.iter("signal")} == FIREWALL1_SIGNALS
    status = run(["gdbus", "call", "--address", bus.address, "--dest", SERVICE,
                  "--object-path", PATH, "--method", f"{IFACE}.GetStatus"]).stdout
    assert "'enabled': <true>" in status and "'version': <'" in status
    version = run(["gdbus", "call", "--address", bus.address, "--dest", SERVICE,
                   "--object-path", PATH, "--method", "org.freedesktop.DBus.Properties.Get",
                   IFACE, "Fail"]).stdout
    assert version.strip() == "(<'open'>,)"


def test_fw_daemon_name_is_not_owned_by_default(start_daemon, bus):
    start_daemon()
    names = busctl(bus, "list", "--no-pager", "--no-legend").stdout
    assert SERVICE in names
    assert "com.subgraph.Firewall " not in names


def test_fw_daemon_interface_signatures_when_enabled(start_daemon, bus):
    start_daemon(dbus="  fw_daemon_compat: true\n")
    members = busctl_members(bus, "com.subgraph.Firewall", "/com/subgraph/Firewall",
                             "com.subgraph.Firewall")
    methods = {name: sig for (kind, name), sig in members.items() if kind == "method"}
    assert methods == FW_DAEMON_METHODS
    node = gdbus_interface(bus, "com.subgraph.Firewall", "/com/subgraph/Firewall",
                           "com.subgraph.Firewall")
    assert gdbus_methods(node) == FW_DAEMON_METHODS
