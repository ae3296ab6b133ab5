"""The Debian package through its life cycle on this machine: build (packaging/build-deb.sh, or
the .deb named by SLUICE_DEB), lintian, install without a running systemd, files where
docs/packaging.md says, upgrade keeping config, state rules and (fail: closed) the chains, remove
leaving no sluice chain, reinstall keeping a state rule, purge. The package is purged at the end
whatever happens.

Chains: sluiced from the package runs in the client namespace of a harness Topology and dpkg
runs in that namespace too (`ip netns exec`), so the prerm's `sluiced --remove-firewall`
cleans the namespace the daemon used; the root namespace's firewall is never touched."""

import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from harness import SERVER_V4, PYTHON, wait_for
from daemon_process import DaemonProcess, write_config

PACKAGE = "sluice"
STATE_DIR = Path("/var/lib/sluice")
SERVER_PORT = 18081

# docs/packaging.md, "What goes where".
INSTALLED_FILES = [
    "/usr/sbin/sluiced",
    "/usr/bin/sluicectl",
    "/lib/systemd/system/sluiced.service",
    "/usr/lib/tmpfiles.d/sluice.conf",
    "/etc/sluice/sluiced.yaml",
    "/etc/sluice/rules.d/10-system.yaml",
    "/etc/sluice/rules.d/90-examples.yaml",
    "/etc/xdg/autostart/sluice-prompt.desktop",
    "/usr/share/dbus-1/system.d/org.sluice.Firewall1.conf",
    "/usr/share/polkit-1/actions/org.sluice.firewall.policy",
    "/usr/share/man/man8/sluiced.8.gz",
    "/usr/share/man/man1/sluicectl.1.gz",
    "/usr/share/man/man5/sluice-rules.5.gz",
    "/usr/share/doc/sluice/copyright",
]
CONFFILES = ["/etc/sluice/sluiced.yaml", "/etc/sluice/rules.d/10-system.yaml",
             "/etc/sluice/rules.d/90-examples.yaml", "/etc/xdg/autostart/sluice-prompt.desktop"]


def run(cmd, check=True, timeout=300, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def installed():
    result = run(["dpkg-query", "-W", "-f=${db:Status-Status}", PACKAGE], check=False)
    return result.returncode == 0 and result.stdout.strip() not in ("", "not-installed")


def purge():
    run(["dpkg", "--purge", PACKAGE], check=False)


@pytest.fixture(scope="module")
def deb(source_dir, tmp_path_factory):
    assert os.geteuid() == 0, "the package test installs a package: it needs root"
    if os.environ.get("SLUICE_DEB"):
        return Path(os.environ["SLUICE_DEB"])
    out = tmp_path_factory.mktemp("deb")
    # The life cycle does not depend on the optimizer: a lighter build saves CI minutes.
    env = dict(os.environ, SLUICE_DEB_CXXFLAGS_APPEND="-O1 -g1")
    result = run([str(source_dir / "packaging" / "build-deb.sh"), str(out)], timeout=1700,
                 env=env)
    debs = sorted(out.glob("sluice_*.deb"))
    assert len(debs) == 1, result.stdout + result.stderr
    return debs[0]


@pytest.fixture(scope="module")
def clean_machine():
    assert not installed(), "sluice is already installed on this machine; the test would remove it"
    try:
        yield
    finally:
        purge()


def chains(topology):
    text = ""
    for program in ("iptables", "ip6tables"):
        text += topology.ns(topology.client, [program, "-w", "-S"]).stdout
    text += topology.ns(topology.client, ["nft", "list", "tables"], check=False).stdout
    return sorted(set(re.findall(r"SLUICE-[A-Z]+|table inet sluice", text)))


def connects(topology):
    code = (f"import socket; socket.create_connection(('{SERVER_V4}', {SERVER_PORT}), "
            "timeout=3).close()")
    return topology.ns(topology.client, [PYTHON, "-c", code], check=False).returncode == 0


def test_lintian_reports_no_errors(deb):
    result = run(["lintian", "--tag-display-limit", "0", "--display-info", str(deb)], check=False)
    print(f"lintian {deb.name}:\n{result.stdout}{result.stderr}")
    errors = [line for line in result.stdout.splitlines() if line.startswith("E:")]
    assert errors == []
    assert result.returncode == 0


def test_install_upgrade_remove_reinstall_purge(deb, clean_machine, topology, tmp_path,
                                                source_dir):
    # Install: no systemd runs here, so deb-systemd-invoke starts nothing and must not fail.
    run(["dpkg", "-i", str(deb)])
    assert installed()
    for path in INSTALLED_FILES:
        assert Path(path).exists(), f"{path} not installed"
    assert STATE_DIR.is_dir()
    conffiles = run(["dpkg-query", "-W", "-f=${Conffiles}", PACKAGE]).stdout
    for path in CONFFILES:
        assert f" {path} " in conffiles, f"{path} is not a conffile"
    assert run(["getent", "group", "sluice"]).stdout.startswith("sluice:")
    assert Path("/etc/systemd/system/multi-user.target.wants/sluiced.service").is_symlink()

    # The installed pieces work: the unit verifies with its binary and man pages in place,
    # `man sluice-rules` finds the page, the shipped config and rules load.
    result = run(["systemd-analyze", "verify", "/lib/systemd/system/sluiced.service"], check=False)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr
    assert "PRECEDENCE" in run(["man", "sluice-rules"], env=dict(os.environ, MANWIDTH="80")).stdout
    assert run(["/usr/sbin/sluiced", "--check-config"]).stdout == ""

    # The installed daemon, fail: closed, in the client namespace; stopped, it leaves the chains,
    # so new connections are dropped until it runs again.
    topology.start_servers([SERVER_PORT])
    config = write_config(tmp_path, "fail: closed\ndefault_action: allow\nfirewall:\n"
                                    "  backend: iptables\nlog:\n  target: stderr\n")
    daemon = DaemonProcess(topology, ["/usr/sbin/sluiced", "--config", str(config)], tmp_path)
    try:
        daemon.wait_log(r"sluiced ready")
        assert connects(topology)
        assert daemon.stop() == 0
    finally:
        daemon.stop(signal.SIGKILL)
    assert chains(topology) == ["SLUICE-FLOW", "SLUICE-OUT", "SLUICE-VERDICT"]
    assert not connects(topology), "fail: closed must block new connections while sluiced is down"

    # State rules and an edited config survive an upgrade (same version again: prerm upgrade,
    # postinst configure); the chains stay in place throughout, so nothing escaped.
    state_rule = ("rules:\n  - id: state-kept\n    action: allow\n    process: /usr/bin/curl\n"
                  "    port: 443\n")
    (STATE_DIR / "rules.yaml").write_text(state_rule)
    with open("/etc/sluice/sluiced.yaml", "a") as config_file:
        config_file.write("# edited by the package test\n")
    topology.ns(topology.client, ["dpkg", "-i", str(deb)], timeout=300)
    assert chains(topology) == ["SLUICE-FLOW", "SLUICE-OUT", "SLUICE-VERDICT"]
    assert (STATE_DIR / "rules.yaml").read_text() == state_rule
    assert Path("/etc/sluice/sluiced.yaml").read_text().endswith("# edited by the package test\n")

    # Remove, in the daemon's namespace: the prerm removes every chain, the network works again,
    # state and config stay.
    result = topology.ns(topology.client, ["dpkg", "-r", PACKAGE], timeout=300)
    assert "sluiced: removed iptables: SLUICE-FLOW, SLUICE-OUT, SLUICE-VERDICT, 1 jump" in \
        result.stdout + result.stderr
    assert chains(topology) == []
    assert connects(topology)
    assert not Path("/usr/sbin/sluiced").exists()
    assert (STATE_DIR / "rules.yaml").read_text() == state_rule

    # Reinstall: the state rule made before is still there and loads.
    run(["dpkg", "-i", str(deb)])
    assert (STATE_DIR / "rules.yaml").read_text() == state_rule
    assert run(["/usr/sbin/sluiced", "--check-config"]).stdout == ""

    # Purge removes the state and the config.
    run(["dpkg", "--purge", PACKAGE])
    assert not installed()
    assert not STATE_DIR.exists()
    assert not Path("/etc/sluice/sluiced.yaml").exists()
    assert not Path("/lib/systemd/system/sluiced.service").exists()
