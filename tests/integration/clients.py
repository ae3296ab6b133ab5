"""Client programs run inside the client namespace (python sockets, with explicit timeouts)."""

import socket
import sys
import time


def tcp_connect(host, port, timeout):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect((host, port))
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        return sock.recv(100)


def udp_burst(host, port, first_gap_ms, count):
    """One datagram, a pause, then count-1 more from the same socket (one flow)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect((host, port))
        sock.send(b"first")
        time.sleep(first_gap_ms / 1000)
        for i in range(count - 1):
            sock.send(b"next %d" % i)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "connect":
        data = tcp_connect(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
        sys.exit(0 if data.startswith(b"HTTP/1.0 200") else 1)
    elif command == "udp-burst":
        udp_burst(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif command == "sequential":
        for _ in range(int(sys.argv[4])):
            assert tcp_connect(sys.argv[2], int(sys.argv[3]), 5.0).startswith(b"HTTP/1.0 200")
    else:
        sys.exit(f"unknown command {command}")
