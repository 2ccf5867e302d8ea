"""The nginx site a self-hoster puts in /etc/nginx (`--print-site`) is valid nginx and says what
streaming and uploads need. Needs nginx only, not PostgreSQL or Redis."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from deploy import processes
from tests.live import ROOT


def printed_site(*args: str) -> str:
    command = [sys.executable, "-m", "deploy.stack", "--print-site", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def nginx():
    binary = processes.nginx_binary()
    if binary is None and os.environ.get("CI"):
        pytest.fail("nginx is not installed (CI is set, so this test must run)", pytrace=False)
    if binary is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    return binary


def test_the_printed_site_names_each_worker_and_the_public_host():
    site = printed_site("--port", "9000", "--workers", "3", "--server-name", "play.example.com")
    servers = [line.strip() for line in site.splitlines() if line.strip().startswith("server 1")]
    assert servers == [f"server 127.0.0.1:{port};" for port in (9001, 9002, 9003)]
    assert "server_name play.example.com;" in site
    assert not re.search(r"@[A-Z_]+@", site)  # every placeholder filled


def test_the_site_keeps_streams_and_uploads_whole():
    site = printed_site()
    for directive in (
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_buffering off;",
        "proxy_read_timeout 3600s;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "client_max_body_size 55m;",
    ):
        assert directive in site


def test_the_printed_site_passes_nginx_t(nginx, tmp_path):
    # The access log path of a system install is swapped for one this test may write.
    site = printed_site().replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "playground.conf").write_text(site)
    (tmp_path / "tmp").mkdir()
    (tmp_path / "logs").mkdir()
    main = processes.render("stack.conf.in", run_dir=str(tmp_path), user="")
    (tmp_path / "nginx.conf").write_text(main)
    command = [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
