from fixtures import add_sluiced_option, sluiced, topology  # noqa: F401  (pytest fixtures)


def pytest_addoption(parser):
    add_sluiced_option(parser)
