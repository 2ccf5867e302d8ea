"""The one redactor: every configured key value, whole, in pieces and in its usual masked forms,
leaves any text; the text around it, and text that only looks like a mask, stays as it was."""

import pytest

from playground.providers.redact import (
    REDACTED,
    Redactor,
    redact,
    redact_credentials,
    redact_data,
    redact_failure,
)
from playground.providers.types import Failure
from playground.simulator.echo import masked_forms

KEY = "sk-proj-Zt4Qm8Vx2Lb6Nw0Rk3Yp7Hc"
OTHER = "empirio-7f3a9c1e5b2d4068"


@pytest.mark.parametrize(
    "form",
    [
        KEY,
        KEY[1:-1],
        KEY[5:13],  # any eight characters
        *masked_forms(KEY),  # as the simulator's echo_key masks it
        f"{KEY[:3]}...{KEY[-4:]}",
        f"{KEY[:8]}••••••{KEY[-4:]}",
        f"{KEY[:2]}…{KEY[-4:]}",
        f"…{KEY[-4:]}",
    ],
)
def test_each_form_of_a_key_is_taken_out_and_the_words_around_it_stay(form):
    assert redact(f"Incorrect API key provided: {form}. Check it.", [KEY]) == (
        f"Incorrect API key provided: {REDACTED}. Check it."
    )


def test_a_key_split_across_a_line_and_its_neighbours_goes_as_one():
    text = f"keys: {KEY}{OTHER} and {KEY[:12]}\n{KEY[12:]}"
    assert redact(text, [KEY, OTHER]) == f"keys: {REDACTED} and {REDACTED}\n{REDACTED}"


@pytest.mark.parametrize(
    "text",
    [
        "**bold** and *em* and a list... of things",
        f"****{KEY[-4:]}ing is a word, not a key's end",
        f"a word ending {KEY[-4:]} without a mask",
        KEY[:7] + " is only a head",
        "Hello from the model.",
    ],
)
def test_text_that_only_looks_like_a_mask_is_kept(text):
    assert redact(text, [KEY]) == text


def test_values_too_short_to_be_keys_are_not_looked_for():
    assert redact("test the tests", ["test", ""]) == "test the tests"


def test_data_failures_and_a_prepared_redactor_all_redact():
    data = {"a": [f"x {KEY}", {"b": (OTHER,)}], "n": 3}
    assert redact_data(data, [KEY, OTHER]) == {"a": [f"x {REDACTED}", {"b": [REDACTED]}], "n": 3}
    failure = Failure(kind="auth", message=f"bad {KEY}", provider_message=masked_forms(KEY)[0])
    clean = redact_failure(failure, Redactor([KEY]))
    assert (clean.message, clean.provider_message) == (f"bad {REDACTED}", REDACTED)
    assert KEY not in repr(Redactor([KEY])) and not Redactor(["short"])


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer some-opaque-0123456789abcdef",
        "x-api-key: opaque0123456789abcdef",
        '{"key": "opaque0123456789abcdef"}',
        "sk-live-0123456789abcdef",
    ],
)
def test_credential_shapes_are_masked_for_log_lines_whatever_the_key(line):
    assert "0123456789abcdef" not in redact_credentials(line)
