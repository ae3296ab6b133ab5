"""The pytest fixtures every suite that runs the real daemon shares (integration, dbus, cli):
the `--sluiced` binary under test and a fresh network-namespace Topology per test. A suite's
conftest.py imports them, which is how pytest finds them."""

import itertools
import os

import pytest

from harness import Topology

_counter = itertools.count()


def add_sluiced_option(parser):
    parser.addoption("--sluiced", required=True, help="path of the sluiced binary under test")


@pytest.fixture(scope="session")
def sluiced(request):
    path = request.config.getoption("--sluiced")
    assert os.access(path, os.X_OK), f"{path} is not executable"
    assert os.geteuid() == 0, "these tests need root (network namespaces, netfilter, setpriv)"
    return path


@pytest.fixture
def topology():
    topo = Topology(f"{os.getpid()}-{next(_counter)}")
    try:
        yield topo
    finally:
        topo.close()
