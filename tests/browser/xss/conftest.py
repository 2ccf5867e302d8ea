"""The XSS suite's pages: an owner and a stranger on the owner's share link, each a browser
context whose every sign of a payload running is recorded (hostile.py)."""

import pytest

from tests.browser.xss.hostile import hostile_page


@pytest.fixture
def bypass_csp(request) -> bool:
    """True unless a test asks for the CSP in force (indirect parametrisation)."""
    return getattr(request, "param", True)


@pytest.fixture
def owner(browser, live_app, bypass_csp):
    page = hostile_page(browser, live_app, bypass_csp=bypass_csp)
    yield page
    page.context.close()


@pytest.fixture
def stranger(browser, live_app, bypass_csp):
    """Another browser following the owner's share link."""
    page = hostile_page(browser, live_app, bypass_csp=bypass_csp)
    yield page
    page.context.close()
