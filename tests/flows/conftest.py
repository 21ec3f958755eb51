from collections.abc import Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    """One temporary Prefect server (its own database under PREFECT_HOME) for every flow test."""
    with prefect_test_harness(server_startup_timeout=120):
        yield
