import itertools
import os

import pytest

from cli_support import FirewallDouble, PrivateBus, harness
from fixtures import add_sluiced_option, sluiced  # noqa: F401  (pytest fixtures)

_counter = itertools.count()


def pytest_addoption(parser):
    parser.addoption("--sluicectl", required=True, help="path of the sluicectl binary under test")
    add_sluiced_option(parser)


@pytest.fixture(scope="session")
def sluicectl(request):
    path = request.config.getoption("--sluicectl")
    assert os.access(path, os.X_OK), f"{path} is not executable"
    return path


@pytest.fixture
def private_bus():
    bus = PrivateBus(open=True)
    try:
        yield bus
    finally:
        bus.close()


@pytest.fixture
def double(private_bus):
    """The python3-dbus stand-in for sluiced on the private bus."""
    firewall = FirewallDouble(private_bus)
    try:
        yield firewall
    finally:
        firewall.close()


@pytest.fixture
def denying_double(private_bus):
    """A stand-in that answers every mutating call with Error.AccessDenied."""
    firewall = FirewallDouble(private_bus, deny_modify=True)
    try:
        yield firewall
    finally:
        firewall.close()


@pytest.fixture
def topology():
    topo = harness.Topology(f"cli{os.getpid() % 10000}-{next(_counter)}")
    try:
        yield topo
    finally:
        topo.close()
