import itertools
import os
import sys
from pathlib import Path

import pytest

# The integration harness (Topology, Daemon, wait_for) is shared with tests/integration.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))

from harness import Topology  # noqa: E402

_counter = itertools.count()


def pytest_addoption(parser):
    parser.addoption("--sluiced", required=True, help="path of the sluiced binary under test")
    parser.addoption("--source-dir", required=True, help="the repository's top directory")


@pytest.fixture(scope="session")
def source_dir(request):
    return Path(request.config.getoption("--source-dir")).resolve()


@pytest.fixture(scope="session")
def sluiced(request):
    path = request.config.getoption("--sluiced")
    assert os.access(path, os.X_OK), f"{path} is not executable"
    return path


@pytest.fixture(scope="session")
def root():
    assert os.geteuid() == 0, "these tests need root (network namespaces, netfilter, dpkg)"


@pytest.fixture
def topology(root):
    topo = Topology(f"sd{os.getpid()}-{next(_counter)}")
    try:
        yield topo
    finally:
        topo.close()
