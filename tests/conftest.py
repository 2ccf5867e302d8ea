from pathlib import Path

import pytest

from tests.live import LiveApp


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The whole app under daphne; its built-in simulator is what the tests stream from."""
    app = LiveApp(tmp_path_factory.mktemp("live")).start()
    yield app
    app.stop()


@pytest.fixture(autouse=True)
def _counters_start_empty():
    """Rate-limit counters live in this process's cache, keyed by person; a user id reused by a
    later test (fresh database, same id) must not inherit an earlier test's sends."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def simulator_url(live_app, settings):
    """Point this process's runs at the live app's simulator."""
    settings.PLAYGROUND_SIMULATOR_URL = live_app.url + "/simulator/v1"
    return settings.PLAYGROUND_SIMULATOR_URL


def pytest_collection_modifyitems(config, items):
    """Browser tests last: sync Playwright keeps an event loop running in this thread for as
    long as the browser is open, and async tests cannot start their own loop meanwhile."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_sessionfinish(session, exitstatus):
    """The SQLite test database is a file per process (see settings); leave no trace of it."""
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """nginx + two daphne workers on PostgreSQL and Redis, as `make stack` runs them."""
    from tests.stack import StackUnderTest

    harness = StackUnderTest(tmp_path_factory.mktemp("stack")).start()
    yield harness
    harness.stop()
