import pytest

from bus_harness import PrivateBus, SluicedOnBus
from fixtures import add_sluiced_option, sluiced, topology  # noqa: F401  (pytest fixtures)


def pytest_addoption(parser):
    add_sluiced_option(parser)


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
