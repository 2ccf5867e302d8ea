"""Attachment limits in the page: a file over its kind's limit is refused before it is sent,
and whatever the server refuses (413) shows as an error chip with the server's words."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.browser.test_playground_page import open_fresh

pytestmark = pytest.mark.browser
MIB = 1024 * 1024


def big_image(tmp_path, size: int = 11 * MIB):
    image = tmp_path / "huge.png"
    image.write_bytes(os.urandom(size))
    return str(image)


def test_an_image_over_its_limit_is_refused_in_the_page_with_the_limit(page, tmp_path):
    open_fresh(page)
    page.locator("#attach-input").set_input_files(big_image(tmp_path))
    error = page.locator("#attachment-tray .chip-error")
    expect(error).to_have_text("huge.png is 11.0 MB; images can be at most 10 MB.×")
    expect(page.locator('#attachment-tray input[name="attachment"]')).to_have_count(0)


def test_the_servers_refusal_shows_as_an_error_chip(page, tmp_path):
    open_fresh(page)
    # A page whose own check is out of date (or bypassed): the server's answer is what counts.
    page.locator("#attach-input").evaluate(
        "input => input.dataset.limits = JSON.stringify({image: 1 << 30})"
    )
    page.locator("#attach-input").set_input_files(big_image(tmp_path))
    error = page.locator("#attachment-tray .chip-error .chip-text")
    expect(error).to_have_text(
        "This upload is 11.0 MB; images can be at most 10 MB (PLAYGROUND_MAX_IMAGE_BYTES)."
    )
    expect(page.locator('#attachment-tray input[name="attachment"]')).to_have_count(0)
