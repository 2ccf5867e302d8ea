import pytest

from tests.stack import StackUnderTest


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """nginx + two daphne workers on PostgreSQL and Redis, as `make stack` runs them."""
    harness = StackUnderTest(tmp_path_factory.mktemp("stack")).start()
    yield harness
    harness.stop()
