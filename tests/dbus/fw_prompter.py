"""Test double of fw-daemon's prompter: owns com.subgraph.FirewallPrompt, serves RequestPrompt
with fw-daemon's 19 arguments and replies (SCOPE, RULE). Prints "ready", then one JSON line of
arguments per prompt.

usage: fw_prompter.py ADDRESS SCOPE RULE
"""

import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAMES = ["application", "icon", "path", "address", "port", "ip", "origin", "proto", "uid", "gid",
         "user", "group", "pid", "sandbox", "is_socks", "optstring", "expanded", "expert",
         "action"]


class Prompter(dbus.service.Object):
    def __init__(self, bus, scope, rule):
        super().__init__(bus, "/com/subgraph/FirewallPrompt")
        self.scope = scope
        self.rule = rule

    @dbus.service.method("com.subgraph.FirewallPrompt", in_signature="ssssisssiissisbsbbi",
                         out_signature="is")
    def RequestPrompt(self, application, icon, path, address, port, ip, origin, proto, uid, gid,
                      user, group, pid, sandbox, is_socks, optstring, expanded, expert, action):
        args = (application, icon, path, address, port, ip, origin, proto, uid, gid, user, group,
                pid, sandbox, is_socks, optstring, expanded, expert, action)
        values = [bool(a) if isinstance(a, dbus.Boolean) else
                  int(a) if isinstance(a, (dbus.Int32, dbus.UInt32)) else str(a) for a in args]
        print(json.dumps(dict(zip(NAMES, values))), flush=True)
        return dbus.Int32(self.scope), dbus.String(self.rule)


def main():
    address, scope, rule = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    name = dbus.service.BusName("com.subgraph.FirewallPrompt", bus, do_not_queue=True)
    prompter = Prompter(bus, scope, rule)
    print("ready", flush=True)
    GLib.MainLoop().run()
    del prompter, name


if __name__ == "__main__":
    main()
