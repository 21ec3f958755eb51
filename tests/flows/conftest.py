import pytest


@pytest.fixture(autouse=True)
def _on_prefect_server(prefect_server: None) -> None:
    """Every flow test runs against the session's temporary Prefect server."""
