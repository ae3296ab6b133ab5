"""A private dbus-daemon for tests, on a path socket every uid and every network namespace can
reach. Two flavours:
  PrivateBus()            configured like the system bus (default deny) plus the project's
                          policy file, so the policy file is what is under test;
  PrivateBus(open=True)   everyone may do everything, for tests whose access decisions are the
                          daemon's, not the bus policy's.
close() releases it, also after a failed test."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
POLICY = ROOT / "dbus" / "org.sluice.Firewall1.conf"

_HEADER = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>{kind}</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path={socket}</listen>
"""

# The system bus's default policy (/usr/share/dbus-1/system.conf): method calls are denied
# unless a policy file punches a hole.
_SYSTEM_POLICY = """  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>{policy}</include>
  <limit name="max_replies_per_connection">50000</limit>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_message_size">33554432</limit>
</busconfig>
"""

_OPEN_POLICY = """  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


class PrivateBus:
    def __init__(self, open=False):
        self.dir = Path(tempfile.mkdtemp(prefix="sluice-bus-"))
        os.chmod(self.dir, 0o755)
        self.socket = self.dir / "bus"
        self.config = self.dir / "bus.conf"
        kind = "session" if open else "system"
        self.config.write_text(_HEADER.format(kind=kind, socket=self.socket) +
                               (_OPEN_POLICY if open else _SYSTEM_POLICY.format(policy=POLICY)))
        self.process = subprocess.Popen(
            ["dbus-daemon", f"--config-file={self.config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("unix:"):
            self.close()
            raise RuntimeError(f"dbus-daemon did not start: {line!r} {self.process.stderr.read()}")
        os.chmod(self.socket, 0o777)
        self.address = f"unix:path={self.socket}"

    def connection(self):
        import dbus
        return dbus.bus.BusConnection(self.address)

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
