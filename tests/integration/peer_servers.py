"""Servers for the integration tests' server host: TCP ports answer one HTTP response and
close; UDP ports echo. Both listen dual-stack (IPv4 and IPv6). Prints "listening" once every
socket is bound, so the harness waits for that line instead of sleeping."""

import selectors
import socket
import sys

RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"


def listen(kind, port):
    sock = socket.socket(socket.AF_INET6, kind)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("::", port))
    if kind == socket.SOCK_STREAM:
        sock.listen(4096)
    sock.setblocking(False)
    return sock


def main():
    tcp_ports = [int(p) for p in sys.argv[1].split(",") if p]
    udp_ports = [int(p) for p in sys.argv[2].split(",") if p] if len(sys.argv) > 2 else []
    selector = selectors.DefaultSelector()
    for port in tcp_ports:
        selector.register(listen(socket.SOCK_STREAM, port), selectors.EVENT_READ, "listen")
    for port in udp_ports:
        selector.register(listen(socket.SOCK_DGRAM, port), selectors.EVENT_READ, "udp")
    print("listening", flush=True)
    while True:
        for key, _ in selector.select():
            sock = key.fileobj
            if key.data == "listen":
                try:
                    conn, _ = sock.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(False)
                selector.register(conn, selectors.EVENT_READ, "conn")
            elif key.data == "conn":
                try:
                    data = sock.recv(65536)
                except (BlockingIOError, ConnectionError):
                    data = b""
                if data:
                    try:
                        sock.send(RESPONSE)
                    except OSError:
                        pass
                selector.unregister(sock)
                sock.close()
            else:
                try:
                    data, peer = sock.recvfrom(65536)
                    sock.sendto(data, peer)
                except OSError:
                    pass


if __name__ == "__main__":
    main()
