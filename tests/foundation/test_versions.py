from importlib.metadata import version

from packaging.version import Version


def test_installed_versions_are_at_or_above_the_security_floor():
    # daphne 4.2.2 fixed CVE-2026-44545 (unbounded websocket frames) and CVE-2026-44546.
    assert Version(version("daphne")) >= Version("4.2.2")
    assert Version(version("channels")) >= Version("4.3")
    assert Version("5.2") <= Version(version("django")) < Version("5.3")
