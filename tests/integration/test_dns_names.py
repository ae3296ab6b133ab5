"""Host names from DNS answers (issue 4, item 5): dnsmasq on the server host, the daemon's
AF_PACKET observer in the client namespace, rules naming hosts."""

import pytest

from harness import PYTHON, SERVER_V4, Daemon, DnsServer, run

HOSTS = [("web.test", SERVER_V4), ("web.test", "fd77::2")]
CNAMES = [("app.test", "web.test")]
DNS_RULE = """  - id: dns
    action: allow
    protocol: udp
    port: 53
"""
BULK = 1000


@pytest.fixture
def dns(topology, tmp_path):
    server = DnsServer(topology, tmp_path, HOSTS, CNAMES)
    try:
        yield server
    finally:
        server.close()


def curl(topology, url, timeout=3):
    result = topology.ns(topology.client, ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                           "--max-time", str(timeout), url],
                         check=False, timeout=timeout + 10)
    return result.returncode == 0 and result.stdout == "200"


@pytest.mark.parametrize("host", ["app.test", "web.test"], ids=["alias", "cname-target"])
def test_host_rule_allows_the_name_while_the_bare_address_is_denied(topology, sluiced, tmp_path,
                                                                    dns, host):
    topology.start_servers([80])
    rules = f"rules:\n{DNS_RULE}  - id: by-name\n    action: allow\n    host: {host}\n"
    daemon = Daemon(topology, sluiced, tmp_path, rules={"hosts.yaml": rules},
                    config="default_action: deny\n")
    try:
        # The bare address first: once app.test was resolved, the address carries its names.
        assert not curl(topology, f"http://{SERVER_V4}/", timeout=2)
        # app.test is a CNAME of web.test: a rule on either name matches the chain's address.
        assert curl(topology, "http://app.test/")
        daemon.wait_log(r"allow out tcp .*:80 .*rule=by-name \(rule\)")
    finally:
        assert daemon.stop() == 0


# Resolves each name and connects at once, BULK times; prints "connected=N failed=M".
RESOLVE_THEN_CONNECT = """
import socket, sys
connected = failed = 0
for i in range(int(sys.argv[1])):
    address = socket.getaddrinfo(f"n{i}.bulk.test", 80, socket.AF_INET, socket.SOCK_STREAM)[0][4]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(3)
        try:
            sock.connect(address)
            connected += 1
        except OSError:
            failed += 1
            if failed >= 5:
                break
print(f"connected={connected} failed={failed}")
"""


def test_every_connection_right_after_its_answer_gets_the_name(topology, sluiced, tmp_path):
    # A distinct address per name, so only the answer just received can make the rule match.
    topology.ns(topology.server, ["ip", "route", "add", "local", "10.78.0.0/16", "dev", "lo"])
    topology.ns(topology.client, ["ip", "route", "add", "10.78.0.0/16", "via", SERVER_V4])
    hosts = [(f"n{i}.bulk.test", f"10.78.{i // 250}.{i % 250 + 1}") for i in range(BULK)]
    server = DnsServer(topology, tmp_path, hosts)
    try:
        topology.start_servers([80])
        rules = f"rules:\n{DNS_RULE}  - id: bulk\n    action: allow\n    host: '*.bulk.test'\n"
        daemon = Daemon(topology, sluiced, tmp_path, rules={"bulk.yaml": rules},
                        config="default_action: deny\n")
        try:
            before = daemon.stats()
            result = topology.ns(topology.client, [PYTHON, "-c", RESOLVE_THEN_CONNECT, str(BULK)],
                                 timeout=300)
            assert result.stdout.strip() == f"connected={BULK} failed=0"
            after = daemon.stats()
            # Every connection was decided (a DNS query whose source port still had a conntrack
            # entry was not queued again), and nothing was denied.
            assert after["denied"] - before["denied"] == 0
            assert after["allowed"] - before["allowed"] >= BULK
            assert after["dns_addresses"] >= BULK
        finally:
            assert daemon.stop() == 0
    finally:
        server.close()
