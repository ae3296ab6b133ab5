"""systemd/sluiced.service: systemd-analyze verify and security, and the daemon running with the
unit's capability bounding set, NoNewPrivileges and a read-only system (systemd is not PID 1 in
CI, so the sandbox is rebuilt with setpriv and a private mount namespace; the seccomp filter
and the remaining Protect* settings are only checked by systemd-analyze)."""

import re
import shutil
import signal
import socket
import subprocess

import pytest

from harness import SERVER_V4, PYTHON, wait_for
from daemon_process import DaemonProcess, write_config

SERVER_PORT = 18080


def unit_path(source_dir):
    return source_dir / "systemd" / "sluiced.service"


def unit_settings(source_dir):
    settings = {}
    for line in unit_path(source_dir).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_systemd_analyze_verify_passes(source_dir, sluiced, tmp_path, root):
    # The unit names /usr/sbin/sluiced: an overlay in a private mount namespace puts the binary
    # under test there without touching the system. Man pages are checked after the package
    # installs them (test_package.py).
    overlay = tmp_path / "sbin"
    overlay.mkdir()
    shutil.copy(sluiced, overlay / "sluiced")
    script = (f"mount -t overlay overlay -o lowerdir={overlay}:/usr/sbin /usr/sbin && "
              f"exec systemd-analyze verify --man=no {unit_path(source_dir)}")
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""


def test_systemd_analyze_security_scores_at_most_2_5(source_dir):
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                             str(unit_path(source_dir))], capture_output=True, text=True, timeout=60)
    found = re.search(r"Overall exposure level for sluiced\.service: (\d+\.\d+)", result.stdout)
    assert found, result.stdout + result.stderr
    score = float(found.group(1))
    print(f"systemd-analyze security: sluiced.service exposure {score}")
    assert score <= 2.5


def test_unit_keeps_proc_and_network_reachable_and_orders_before_network(source_dir):
    settings = unit_settings(source_dir)
    for forbidden in ("ProtectProc", "ProcSubset", "PrivateNetwork", "PrivateUsers"):
        assert forbidden not in settings, f"{forbidden}= breaks /proc or netfilter access"
    assert settings["Type"] == ["notify"]
    assert settings["Before"] == ["network-pre.target"]
    assert settings["Wants"] == ["network-pre.target"]
    assert settings["Restart"] == ["on-failure"]
    assert "WatchdogSec" in settings
    assert settings["RestrictAddressFamilies"] == ["AF_NETLINK AF_UNIX AF_PACKET AF_INET AF_INET6"]


def sandbox_command(source_dir, sluiced, config, workdir, capabilities=None):
    """sluiced as the unit would run it, as far as setpriv and mounts can: the unit's capability
    bounding set, no_new_privs, / read-only, /home and /root hidden, /proc/sys read-only."""
    if capabilities is None:
        capabilities = unit_settings(source_dir)["CapabilityBoundingSet"][0].split()
    bounding = ",".join(["-all"] + ["+" + c.lower().removeprefix("cap_") for c in capabilities])
    mounts = " && ".join([
        "mount --rbind / /", "mount -o remount,bind,ro /",
        "mount -t tmpfs -o ro tmpfs /home", "mount -t tmpfs -o ro tmpfs /root",
        "mount --bind /proc/sys /proc/sys", "mount -o remount,bind,ro /proc/sys",
        f"mount --bind {workdir} {workdir}",
    ])
    run = (f"exec setpriv --bounding-set {bounding} --inh-caps -all --no-new-privs "
           f"{sluiced} --config {config}")
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", f"{mounts} && {run}"]


def connect_as_nobody(topology, port):
    """A TCP connection from a process of uid 65534: attributing it takes CAP_SYS_PTRACE and
    CAP_DAC_READ_SEARCH, as a desktop user's connection would."""
    code = (f"import socket; s = socket.create_connection(('{SERVER_V4}', {port}), timeout=5); "
            "s.sendall(b'ping'); print(s.recv(4).decode())")
    return topology.ns(topology.client, ["setpriv", "--reuid", "65534", "--regid", "65534",
                                         "--clear-groups", PYTHON, "-c", code],
                       check=False, timeout=30)


def test_daemon_starts_and_attributes_inside_the_units_sandbox(topology, source_dir, sluiced,
                                                               tmp_path, root):
    topology.start_servers([SERVER_PORT])
    exe = subprocess.run([PYTHON, "-c", "import os, sys; print(os.path.realpath(sys.executable))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    rules = {"50-python.yaml": f"rules:\n  - id: python-web\n    action: allow\n"
                               f"    process: {exe}\n    user: 65534\n    port: {SERVER_PORT}\n"}
    config = write_config(tmp_path, "fail: closed\ndefault_action: deny\nfirewall:\n"
                                    "  backend: iptables\nlog:\n  target: stderr\n  level: debug\n", rules)
    daemon = DaemonProcess(topology, sandbox_command(source_dir, sluiced, config, tmp_path),
                           tmp_path)
    try:
        daemon.wait_log(r"sluiced ready")
        result = connect_as_nobody(topology, SERVER_PORT)
        assert result.returncode == 0, result.stderr + daemon.text()[-2000:]
        daemon.wait_log(rf"allow out tcp .* uid=65534 pid=\d+ exe={re.escape(exe)} "
                        r"rule=python-web \(rule\)")
        assert daemon.stop() == 0
    finally:
        daemon.stop(signal.SIGKILL)
        topology.ns(topology.client, [sluiced, "--remove-firewall"], check=False)


def test_sandbox_without_net_admin_cannot_start(topology, source_dir, sluiced, tmp_path, root):
    # The control for the test above: the emulated sandbox does bite.
    config = write_config(tmp_path, "firewall:\n  backend: iptables\nlog:\n  target: stderr\n")
    capabilities = ["CAP_NET_RAW", "CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH"]
    daemon = DaemonProcess(topology,
                           sandbox_command(source_dir, sluiced, config, tmp_path, capabilities),
                           tmp_path)
    try:
        assert daemon.process.wait(timeout=30) == 2, daemon.text()
    finally:
        daemon.stop(signal.SIGKILL)
