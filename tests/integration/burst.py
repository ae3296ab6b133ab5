"""Opens N TCP connections at once (non-blocking connect), waits for all of them, prints
"connected=X failed=Y". Run inside the client namespace."""

import resource
import selectors
import socket
import sys
import time


def main():
    host, port, count, timeout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    resource.setrlimit(resource.RLIMIT_NOFILE, (count + 256, count + 256))
    selector = selectors.DefaultSelector()
    sockets = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex((host, port))
        selector.register(sock, selectors.EVENT_WRITE)
        sockets.append(sock)
    connected = failed = 0
    deadline = time.monotonic() + timeout
    pending = count
    while pending and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.5):
            sock = key.fileobj
            selector.unregister(sock)
            pending -= 1
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                connected += 1
            else:
                failed += 1
    for sock in sockets:
        sock.close()
    print(f"connected={connected} failed={failed} pending={pending}", flush=True)


if __name__ == "__main__":
    main()
