import pytest

from playground.catalog import catalog_load
from playground.forms import ComposerForm, PaneForm, ParamsForm, params_initial

CATALOG = catalog_load()
MODEL_DIALECTS = [(m.ref, d) for m in CATALOG.models.values() for d in m.dialects]


def defaults(form):
    """What a browser would submit for an untouched form."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if field.spec.type == "boolean":
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


@pytest.mark.parametrize(("ref", "dialect"), MODEL_DIALECTS)
def test_every_model_form_builds_and_its_defaults_validate(ref, dialect):
    spec = CATALOG.model(ref)
    empty = ParamsForm(spec=spec, dialect=dialect)
    form = ParamsForm(defaults(empty), spec=spec, dialect=dialect)
    assert form.is_valid(), form.errors
    assert set(form.fields) == {p.name for p in spec.params_for(dialect)}


def test_defaults_send_only_what_is_always_sent():
    spec = CATALOG.model("empiriolabs/seed-2-0-mini")
    form = ParamsForm(defaults(ParamsForm(spec=spec, dialect="chat")), spec=spec, dialect="chat")
    assert form.is_valid()
    assert form.upstream_params() == {
        "max_tokens": 4096,
        "enable_thinking": True,
        "reasoning_effort": "medium",
    }


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("max_tokens", "70000", "Max output tokens must be a whole number from 1 to 65536."),
        ("max_tokens", "0", "Max output tokens must be a whole number from 1 to 65536."),
        ("max_tokens", "12.5", "Max output tokens must be a whole number from 1 to 65536."),
        ("max_tokens", "lots", "Max output tokens must be a whole number from 1 to 65536."),
        ("frequency_penalty", "2.5", "Frequency penalty must be a number from -2 to 2."),
        ("presence_penalty", "abc", "Presence penalty must be a number from -2 to 2."),
        ("video_fps", "0.1", "Video frames per second must be a number from 0.2 to 5."),
        ("reasoning_effort", "extreme", "Reasoning effort must be one of low, medium, high."),
        ("image_detail", "auto", "Image detail must be one of low, high, xhigh."),
        ("stop", "a,b,c,d,e", "Stop sequences: at most 4, got 5."),
    ],
)
def test_bad_values_are_rejected_with_the_allowed_range(name, value, message):
    spec = CATALOG.model("empiriolabs/seed-2-0-pro")
    data = defaults(ParamsForm(spec=spec, dialect="chat")) | {name: value}
    form = ParamsForm(data, spec=spec, dialect="chat")
    assert not form.is_valid()
    assert form.errors[name] == [message]


def test_fixed_parameters_are_read_only_and_never_sent():
    spec = CATALOG.model("empiriolabs/seed-2-0-mini")
    data = defaults(ParamsForm(spec=spec, dialect="chat")) | {"temperature": "0.2", "top_p": "0.5"}
    form = ParamsForm(data, spec=spec, dialect="chat")
    assert form.is_valid()
    assert form.fields["temperature"].disabled
    assert form.cleaned_data["temperature"] == 1  # the server's value, whatever was posted
    assert "temperature" not in form.upstream_params() and "top_p" not in form.upstream_params()
    html = str(form["temperature"])
    assert "disabled" in html and 'value="1"' in html


def test_set_optional_values_are_sent_and_stop_is_parsed():
    spec = CATALOG.model("empiriolabs/seed-2-0-lite")
    data = defaults(ParamsForm(spec=spec, dialect="chat")) | {
        "stop": "END, ###\n\nSTOP",
        "video_fps": "2",
        "enable_caching": "on",
        "frequency_penalty": "0.5",
    }
    form = ParamsForm(data, spec=spec, dialect="chat")
    assert form.is_valid(), form.errors
    sent = form.upstream_params()
    assert sent["stop"] == ["END", "###", "STOP"]
    assert (sent["video_fps"], sent["enable_caching"], sent["frequency_penalty"]) == (
        2.0,
        True,
        0.5,
    )


def test_reasoning_effort_is_not_sent_when_thinking_is_off():
    spec = CATALOG.model("empiriolabs/seed-2-0-pro")
    data = defaults(ParamsForm(spec=spec, dialect="chat"))
    del data["enable_thinking"]
    form = ParamsForm(data, spec=spec, dialect="chat")
    assert form.is_valid()
    assert form.upstream_params() == {"max_tokens": 4096, "enable_thinking": False}


def test_only_parameters_the_dialect_accepts_are_in_the_form():
    spec = CATALOG.model("empiriolabs/seed-2-0-pro")
    messages = ParamsForm(spec=spec, dialect="messages")
    assert "frequency_penalty" not in messages.fields and "image_detail" not in messages.fields
    assert "stop" in messages.fields
    assert "stop" not in ParamsForm(spec=spec, dialect="responses").fields


def test_same_form_validates_a_websocket_json_message():
    spec = CATALOG.model("empiriolabs/seed-2-0-pro")
    message = {
        "max_tokens": 100,
        "enable_thinking": True,
        "reasoning_effort": "low",
        "stop": ["a", "b"],
        "frequency_penalty": -1,
    }
    form = ParamsForm(message, spec=spec, dialect="chat")
    assert form.is_valid(), form.errors
    assert form.upstream_params()["stop"] == ["a", "b"]
    assert ParamsForm({"max_tokens": 10**9}, spec=spec, dialect="chat").is_valid() is False


def test_model_change_keeps_values_that_still_apply():
    modelslab = CATALOG.model("modelslab/bytedance-seed-seed-2.0-mini")
    kept = params_initial(
        spec=modelslab,
        dialect="chat",
        previous={
            "max_tokens": "90000",
            "reasoning_effort": "high",
            "video_fps": "2",
            "temperature": "1",
        },
    )
    assert kept == {"max_tokens": 90000, "reasoning_effort": "high", "temperature": 1.0}
    pro = CATALOG.model("empiriolabs/seed-2-0-pro")
    kept = params_initial(
        spec=pro, dialect="chat", previous={"max_tokens": "90000", "reasoning_effort": "minimal"}
    )
    assert kept == {}  # 90000 is above Pro's 65536 and minimal is not one of its choices


def test_pane_form_rejects_a_dialect_the_model_does_not_speak():
    form = PaneForm({"model": "modelslab/bytedance-seed-seed-2.0-mini", "dialect": "responses"})
    assert not form.is_valid()
    assert "speaks Chat Completions, Messages (Anthropic)" in form.errors["dialect"][0]


def test_composer_needs_a_prompt():
    form = ComposerForm({"prompt": "   "})
    assert not form.is_valid() and form.errors["prompt"] == ["Write a prompt first."]


def test_params_form_fields_carry_the_pane_prefix_and_human_labels():
    spec = CATALOG.model("simulator/seed-2-0-mini")
    form = ParamsForm({"p7-max_tokens": "12"}, spec=spec, dialect="chat", prefix="p7")
    assert form["max_tokens"].html_name == "p7-max_tokens"
    assert form["max_tokens"].auto_id == "id_p7-max_tokens"
    assert form.fields["max_tokens"].label == "Max output tokens"
    assert 'placeholder="not sent"' in str(form["stop"])
