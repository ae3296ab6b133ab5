"""2,000 connections at once: the daemon stays up, answers every packet the kernel handed it,
and holds no more fds or memory afterwards than before."""

import re
import time

from harness import PYTHON, SERVER_V4, Daemon, HERE, queue_stats

BURST = str(HERE / "burst.py")
CONNECTIONS = 2000


def burst(topology):
    result = topology.ns(topology.client, [PYTHON, BURST, SERVER_V4, "80", str(CONNECTIONS), "60"],
                         timeout=120)
    counts = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", result.stdout))
    return counts


def flows_settled(topology, daemon):
    """Ends the burst's flows in conntrack (their TIME_WAIT would hold them for 120 s) and waits
    until the daemon forgot them: it keeps a live flow as long as conntrack does, so only then
    is its memory comparable between rounds. Flushes again while it waits: a late segment of a
    connection flushed while it closed makes a new conntrack entry (tcp_loose), which the
    daemon rightly mirrors."""
    deadline = time.monotonic() + 60
    while True:
        topology.ns(topology.client, ["conntrack", "-F"], check=False)
        settle = time.monotonic() + 2
        while time.monotonic() < settle:
            if daemon.stats()["flows"] < 50:
                return
            time.sleep(0.1)
        assert time.monotonic() < deadline, \
            f"timed out after 60s waiting for the burst's flows to be destroyed: {daemon.stats()}"


def test_two_thousand_connections_at_once(topology, sluiced, tmp_path):
    topology.start_servers([80])
    # fail: closed so that a packet the queue could not take is counted by the kernel
    # (queue_dropped / user_dropped) instead of silently accepted.
    daemon = Daemon(topology, sluiced, tmp_path, config="fail: closed\n",
                    rules={"all.yaml": "rules:\n  - action: allow\n"})
    try:
        # The daemon's count first, the kernel's second: a stray packet queued in between (IPv6
        # link-up chatter) is in the daemon's difference only, so the daemon must answer at
        # least every packet the kernel counts from here on.
        start_packets = daemon.stats()["packets"]
        start = queue_stats(topology)
        assert burst(topology) == {"connected": CONNECTIONS, "failed": 0, "pending": 0}
        flows_settled(topology, daemon)
        fds_after_first, rss_after_first = daemon.fd_count(), daemon.rss_kib()
        for _ in range(2):
            assert burst(topology) == {"connected": CONNECTIONS, "failed": 0, "pending": 0}
            flows_settled(topology, daemon)
        end = queue_stats(topology)
        stats = daemon.stats()
        handed_to_us = (end["id_sequence"] - start["id_sequence"]) - (end["user_dropped"] - start["user_dropped"])
        assert handed_to_us >= 3 * CONNECTIONS
        assert stats["packets"] - start_packets >= handed_to_us
        assert stats["verdicts"] == stats["packets"]
        assert end["queue_total"] == 0
        assert daemon.process.poll() is None
        assert daemon.fd_count() <= fds_after_first  # no descriptor leaked
        assert daemon.rss_kib() - rss_after_first < 4096
    finally:
        assert daemon.stop() == 0
