"""Sends COUNT GetStatus calls to sluiced at once from one connection (python3-dbus, async)
and prints one JSON line: {"ok": N, "errors": {"error name": count, ...}}."""

import json
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib


def main():
    address, count = sys.argv[1], int(sys.argv[2])
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    firewall = bus.get_object("org.sluice.Firewall1", "/org/sluice/Firewall1",
                              introspect=False)
    loop = GLib.MainLoop()
    outcome = {"ok": 0, "errors": {}}
    pending = [count]

    def done():
        pending[0] -= 1
        if pending[0] == 0:
            loop.quit()

    def reply(_status):
        outcome["ok"] += 1
        done()

    def error(failure):
        name = failure.get_dbus_name()
        outcome["errors"][name] = outcome["errors"].get(name, 0) + 1
        done()

    for _ in range(count):
        firewall.GetStatus(dbus_interface="org.sluice.Firewall1", reply_handler=reply,
                           error_handler=error, timeout=60)
    loop.run()
    print(json.dumps(outcome))


if __name__ == "__main__":
    main()
