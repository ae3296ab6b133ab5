import itertools
import os

import pytest

from harness import Topology

_counter = itertools.count()


def pytest_addoption(parser):
    parser.addoption("--sluiced", required=True, help="path of the sluiced binary under test")


@pytest.fixture(scope="session")
def sluiced(request):
    path = request.config.getoption("--sluiced")
    assert os.access(path, os.X_OK), f"{path} is not executable"
    assert os.geteuid() == 0, "integration tests need root (network namespaces, netfilter)"
    return path


@pytest.fixture
def topology():
    topo = Topology(f"{os.getpid()}-{next(_counter)}")
    try:
        yield topo
    finally:
        topo.close()
