"""A prompt agent written with python3-dbus (a different binding than the daemon's sdbus-c++).
Serves org.sluice.PromptAgent1 at /test/agent, registers with sluiced and prints one JSON line
per event on stdout: registered, RequestDecision (with the connection dict), Cancel.

usage: agent.py ADDRESS MODE ACTION SCOPE
  MODE answer: reply {action: ACTION, scope: SCOPE} at once
       silent: never reply (the daemon must fall back at its deadline and send Cancel)
       bad:    reply a decision with an invalid action
"""

import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

AGENT_INTERFACE = "org.sluice.PromptAgent1"
AGENT_PATH = "/test/agent"


def emit(**fields):
    print(json.dumps(fields), flush=True)


def plain(value):
    if isinstance(value, (dbus.Array, list)):
        return [plain(item) for item in value]
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath, str)):
        return str(value)
    return int(value)


class PromptAgent(dbus.service.Object):
    def __init__(self, bus, mode, action, scope):
        super().__init__(bus, AGENT_PATH)
        self.mode = mode
        self.action = action
        self.scope = scope
        self.unanswered = []

    @dbus.service.method(AGENT_INTERFACE, in_signature="sa{sv}", out_signature="a{sv}",
                         async_callbacks=("reply", "error"))
    def RequestDecision(self, prompt_id, connection, reply, error):
        emit(event="RequestDecision", prompt_id=str(prompt_id),
             connection={str(key): plain(value) for key, value in connection.items()})
        if self.mode == "silent":
            self.unanswered.append(reply)
            return
        action = "maybe" if self.mode == "bad" else self.action
        reply(dbus.Dictionary({"action": dbus.String(action), "scope": dbus.String(self.scope)},
                              signature="sv"))

    @dbus.service.method(AGENT_INTERFACE, in_signature="s", out_signature="")
    def Cancel(self, prompt_id):
        emit(event="Cancel", prompt_id=str(prompt_id))


def main():
    address, mode, action, scope = sys.argv[1:5]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    agent = PromptAgent(bus, mode, action, scope)
    firewall = bus.get_object("org.sluice.Firewall1", "/org/sluice/Firewall1")
    firewall.RegisterAgent(dbus.ObjectPath(AGENT_PATH), dbus_interface="org.sluice.Firewall1")
    emit(event="registered", unique_name=str(bus.get_unique_name()))
    GLib.MainLoop().run()
    del agent


if __name__ == "__main__":
    main()
