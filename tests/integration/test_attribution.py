"""Process attribution on the real packet path: short-lived processes keep their exe, and a
package rule stops matching once the packaged binary is swapped (bind mount in a private mount
namespace, so the host's /usr/bin/curl is never touched)."""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness import PYTHON, SERVER_V4, Daemon, run

# Connects without waiting (the SYN is queued to sluiced) and exits at once: by the time the
# daemon looks, the process is gone or going.
QUICK_CONNECT_C = r"""
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    if (fd < 0 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) return 2;
    connect(fd, (struct sockaddr*)&to, sizeof to);
    _exit(0);
}
"""

# Runs the quick program N times in a row from one driver, waiting for each to exit.
DRIVER = r"""
import subprocess, sys
program, host, port, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for _ in range(runs):
    subprocess.run([program, host, port], check=True)
"""

QUICK_PORT = 81
QUICK_UID = 4711
RUNS = 100


def test_process_that_connects_and_exits_at_once_is_named(topology, sluiced, tmp_path):
    # An unprivileged user's program, as in real life; it lives outside pytest's private tmp dir
    # so that user may run it.
    program_dir = Path(tempfile.mkdtemp(prefix="sluice-quick-"))
    try:
        program_dir.chmod(0o755)
        program = program_dir / "quick_connect"
        source = tmp_path / "quick_connect.c"
        source.write_text(QUICK_CONNECT_C)
        run(["gcc", "-O2", "-o", str(program), str(source)])
        rules = f"""rules:
  - id: quick
    action: deny
    process: {program}
"""
        daemon = Daemon(topology, sluiced, tmp_path, rules={"quick.yaml": rules},
                        config="default_action: allow\n", args=["--log-level", "debug"])
        try:
            topology.ns(topology.client,
                        ["setpriv", f"--reuid={QUICK_UID}", f"--regid={QUICK_UID}",
                         "--clear-groups", PYTHON, "-c", DRIVER, str(program), SERVER_V4,
                         str(QUICK_PORT), str(RUNS)], timeout=120)
            decisions = rf"(allow|deny) out tcp \S+ -> {re.escape(SERVER_V4)}:{QUICK_PORT} "
            daemon.wait_log(decisions, timeout=20, count=RUNS)
            lines = [line for line in daemon.text().splitlines() if re.search(decisions, line)]
            named = [line for line in lines
                     if f"uid={QUICK_UID} " in line and f"exe={program} rule=quick" in line]
            assert len(lines) == RUNS, "\n".join(lines)
            assert len(named) >= 99, "\n".join(line for line in lines if line not in named)
            assert daemon.stats()["attributed"] >= 99
        finally:
            assert daemon.stop() == 0
    finally:
        shutil.rmtree(program_dir, ignore_errors=True)


def curl_ok(topology, binary, timeout=5):
    result = topology.ns(topology.client, [binary, "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                           "--max-time", str(timeout), f"http://{SERVER_V4}/"],
                         check=False, timeout=timeout + 10)
    return result.returncode == 0 and result.stdout == "200"


def test_package_rule_stops_matching_a_replaced_binary(topology, sluiced, tmp_path):
    topology.start_servers([80])
    rules = """rules:
  - id: curl-package
    action: allow
    package: curl
"""
    daemon = Daemon(topology, sluiced, tmp_path, rules={"curl.yaml": rules},
                    config="default_action: deny\n")
    try:
        assert curl_ok(topology, "/usr/bin/curl")
        daemon.wait_log(r"allow out tcp .* exe=/usr/bin/curl rule=curl-package")

        # Another program in curl's place, seen only inside a private mount namespace.
        impostor = tmp_path / "impostor"
        shutil.copy2("/usr/bin/wget", impostor)
        swapped = topology.ns(topology.client, [
            "unshare", "--mount", "--propagation", "private", "sh", "-c",
            f"mount --bind {impostor} /usr/bin/curl && "
            f"/usr/bin/curl -q -O /dev/null -T 3 -t 1 http://{SERVER_V4}/"],
            check=False, timeout=30)
        assert swapped.returncode != 0, swapped.stdout + swapped.stderr
        daemon.wait_log(r"exe /usr/bin/curl does not match package curl \(md5sums\)")
        daemon.wait_log(r"deny out tcp .* exe=/usr/bin/curl rule=- \(default\)")

        # The host's curl is untouched and still allowed.
        assert curl_ok(topology, "/usr/bin/curl")
        assert subprocess.run(["dpkg", "--verify", "curl"], capture_output=True).returncode == 0
    finally:
        assert daemon.stop() == 0
