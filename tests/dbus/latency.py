"""Opens COUNT TCP connections to HOST:PORT one after another and prints one JSON line:
{"ok": N, "failed": M, "median_ms": X, "max_ms": Y} with each connect's latency (SYN to
established). Run inside the client namespace."""

import json
import socket
import statistics
import sys
import time


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    latencies = []
    failed = 0
    for _ in range(count):
        started = time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=5):
                latencies.append((time.monotonic() - started) * 1000)
        except OSError:
            failed += 1
    print(json.dumps({"ok": len(latencies), "failed": failed,
                      "median_ms": statistics.median(latencies) if latencies else None,
                      "max_ms": max(latencies) if latencies else None}))


if __name__ == "__main__":
    main()
