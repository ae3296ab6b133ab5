"""A stand-in for journald: run inside a private mount namespace (unshare --mount), it mounts a
tmpfs on /run/systemd/journal, binds the native protocol socket there, runs the command given
after `--`, and prints every entry it receives as one JSON object per line until the command
has exited. The real journal, if any, is untouched."""

import json
import os
import socket
import struct
import subprocess
import sys

JOURNAL_DIR = "/run/systemd/journal"


def parse_entry(data):
    """journald's native protocol: KEY=VALUE lines, or KEY, newline, a 64-bit little-endian
    length and the raw value for values that hold a newline."""
    entry = {}
    while data:
        newline = data.find(b"\n")
        if newline < 0:
            break
        line = data[:newline]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            data = data[newline + 1:]
        else:
            key = line
            (size,) = struct.unpack("<Q", data[newline + 1:newline + 9])
            value = data[newline + 9:newline + 9 + size]
            data = data[newline + 9 + size + 1:]
        entry[key.decode()] = value.decode(errors="replace")
    return entry


def main():
    command = sys.argv[sys.argv.index("--") + 1:]
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", JOURNAL_DIR], check=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(os.path.join(JOURNAL_DIR, "socket"))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.settimeout(0.2)
    child = subprocess.Popen(command)
    print(json.dumps({"FAKE_JOURNALD": "started", "CHILD_PID": str(child.pid)}), flush=True)
    quiet_after_exit = 0
    while quiet_after_exit < 3:
        try:
            data = sock.recv(1 << 20)
        except socket.timeout:
            if child.poll() is not None:
                quiet_after_exit += 1
            continue
        print(json.dumps(parse_entry(data)), flush=True)
    print(json.dumps({"FAKE_JOURNALD": "exited", "EXIT_STATUS": str(child.returncode)}),
          flush=True)


if __name__ == "__main__":
    main()
