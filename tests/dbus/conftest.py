import itertools
import os

import pytest

from bus_harness import PrivateBus, SluicedOnBus
from harness import Topology

_counter = itertools.count()


def pytest_addoption(parser):
    parser.addoption("--sluiced", required=True, help="path of the sluiced binary under test")


@pytest.fixture(scope="session")
def sluiced(request):
    path = request.config.getoption("--sluiced")
    assert os.access(path, os.X_OK), f"{path} is not executable"
    assert os.geteuid() == 0, "D-Bus tests need root (network namespaces, netfilter, setpriv)"
    return path


@pytest.fixture
def topology():
    topo = Topology(f"d{os.getpid()}-{next(_counter)}")
    try:
        yield topo
    finally:
        topo.close()


@pytest.fixture
def bus():
    private = PrivateBus()
    try:
        yield private
    finally:
        private.close()


@pytest.fixture
def start_daemon(topology, sluiced, tmp_path, bus):
    """Starts sluiced on the private bus; stopped (and checked for a clean exit) afterwards."""
    started = []

    def start(config="", rules=None, dbus=""):
        daemon = SluicedOnBus(topology, sluiced, tmp_path, bus, config=config, rules=rules,
                              dbus=dbus)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        code = daemon.stop()
        assert code == 0, f"sluiced exited with {code}:\n{daemon.text()[-3000:]}"
