"""The catalog matches the seed documents value by value.

Expected values are copied from shared/seeds/*.txt (the EmpirioLabs and ModelsLab pages), not
from the catalog file.
"""

from decimal import Decimal

import pytest

from playground.catalog import catalog_load

SEED_PRICES = {  # model id: ((input <=128K, input >128K), (output <=128K, output >128K))
    "seed-2-0-mini": (("0.12", "0.24"), ("0.50", "1.00")),
    "seed-2-0-lite": (("0.31", "0.62"), ("2.50", "5.00")),
    "seed-2-0-pro": (("0.63", "1.26"), ("3.79", "7.58")),
    "seed-2-0-code": (("0.40", "0.80"), ("2.40", "4.80")),
}
SEED_DESCRIPTIONS = {
    "seed-2-0-mini": "Latency-focused multimodal model with 256K context, four reasoning effort "
    "modes, and image/video understanding for high-concurrency use.",
    "seed-2-0-lite": "Balanced general-purpose model for high-frequency enterprise workloads: "
    "information processing, content, search, and data analysis.",
    "seed-2-0-pro": "Flagship general model with 256K context for complex reasoning, multimodal "
    "understanding, structured generation, and tool-augmented execution.",
    "seed-2-0-code": "Coding-tuned 256K-context model with strong front-end results and "
    "multilingual programming support for AI coding tools and agents.",
}
SEED_ALIASES = {
    "seed-2-0-mini": ("Seed Mini", "Seed-2.0-Mini"),
    "seed-2-0-lite": ("Seed Lite", "Seed-2.0-Lite"),
    "seed-2-0-pro": (),
    "seed-2-0-code": ("Seed Code", "Seed-2.0-Code"),
}
SEED_TAGS = {
    "seed-2-0-mini": ("vision", "reasoning"),
    "seed-2-0-lite": ("vision", "reasoning"),
    "seed-2-0-pro": ("vision", "reasoning"),
    "seed-2-0-code": ("code interpreter", "reasoning", "agentic coding"),
}
# The EmpirioLabs parameter table: name -> (type, default, min, max, choices)
SEED_TABLE = {
    "max_tokens": ("integer", 4096, 1, 65536, ()),
    "frequency_penalty": ("number", 0, -2, 2, ()),
    "presence_penalty": ("number", 0, -2, 2, ()),
    "stop": ("stop", None, None, None, ()),
    "enable_thinking": ("boolean", True, None, None, ()),
    "reasoning_effort": ("choice", "medium", None, None, ("low", "medium", "high")),
    "enable_web_search": ("boolean", False, None, None, ()),
    "enable_caching": ("boolean", False, None, None, ()),
    "image_detail": ("choice", "high", None, None, ("low", "high", "xhigh")),
    "video_fps": ("number", None, 0.2, 5, ()),
}


@pytest.fixture(scope="module")
def catalog():
    return catalog_load()


def test_empiriolabs_provider_matches_the_seed_pages(catalog):
    provider = catalog.providers["empiriolabs"]
    assert provider.base_url == "https://api.empiriolabs.ai/v1"
    assert provider.key_env == "EMPIRIOLABS_API_KEY"
    assert {d: provider.dialects[d].path for d in provider.dialects} == {
        "chat": "/chat/completions",
        "responses": "/responses",
        "messages": "/messages",
    }
    assert all(d.auth == "bearer" for d in provider.dialects.values())


def test_modelslab_provider_sends_model_id_and_key_in_the_body(catalog):
    provider = catalog.providers["modelslab"]
    assert provider.key_env == "MODELSLAB_API_KEY"
    chat = provider.dialects["chat"]
    assert provider.base_url + chat.path == "https://modelslab.com/api/v7/llm/chat/completions"
    assert (chat.model_field, chat.auth) == ("model_id", "body:key")
    messages = provider.dialects["messages"]
    assert provider.base_url + messages.path == "https://modelslab.com/api/v7/llm/v1/messages"


@pytest.mark.parametrize("model_id", sorted(SEED_PRICES))
def test_empiriolabs_model_matches_its_seed_page(catalog, model_id):
    model = catalog.model(f"empiriolabs/{model_id}")
    assert model.description == SEED_DESCRIPTIONS[model_id]
    assert model.aliases == SEED_ALIASES[model_id]
    assert model.capabilities == SEED_TAGS[model_id]
    assert (model.context_window, model.max_output_tokens) == (256_000, 128_000)
    assert model.inputs == ("text", "image", "video", "document")
    assert model.outputs == ("text",)
    assert model.dialects == ("chat", "responses", "messages")
    (in_low, in_high), (out_low, out_high) = SEED_PRICES[model_id]
    low, high = model.pricing.tiers
    assert (low.max_input_tokens, low.input, low.output) == (
        128_000,
        Decimal(in_low),
        Decimal(out_low),
    )
    assert (high.max_input_tokens, high.input, high.output) == (
        None,
        Decimal(in_high),
        Decimal(out_high),
    )
    assert low.cached_input is None and high.cached_input is None  # the seeds give no rate


@pytest.mark.parametrize("model_id", sorted(SEED_PRICES))
def test_every_seed_table_parameter_is_in_the_catalog(catalog, model_id):
    model = catalog.model(f"empiriolabs/{model_id}")
    for name, (kind, default, low, high, choices) in SEED_TABLE.items():
        param = model.param(name)
        assert param is not None, name
        assert (param.type, param.default, param.min, param.max, param.choices) == (
            kind,
            default,
            low,
            high,
            choices,
        ), name
        assert not param.is_fixed


@pytest.mark.parametrize("model_id", sorted(SEED_PRICES))
def test_temperature_and_top_p_are_server_fixed(catalog, model_id):
    model = catalog.model(f"empiriolabs/{model_id}")
    assert model.param("temperature").fixed == 1
    assert model.param("top_p").fixed == 0.95


def test_mini_table_lists_temperature_and_top_p_ranges(catalog):
    model = catalog.model("empiriolabs/seed-2-0-mini")
    temperature, top_p = model.param("temperature"), model.param("top_p")
    assert (temperature.default, temperature.min, temperature.max) == (0.7, 0, 2)
    assert (top_p.default, top_p.min, top_p.max) == (1, 0, 1)


def test_modelslab_model_matches_its_seed_page(catalog):
    model = catalog.model("modelslab/bytedance-seed-seed-2.0-mini")
    assert model.name == "ByteDance Seed: Seed-2.0-Mini"
    (tier,) = model.pricing.tiers
    assert (tier.input, tier.output, tier.max_input_tokens) == (
        Decimal("0.10"),
        Decimal("0.40"),
        None,
    )
    assert "$0.25 / call" in model.pricing.note
    assert model.dialects == ("chat", "messages")
    assert model.param("reasoning_effort").choices == ("minimal", "low", "medium", "high")
    panel = {
        n: model.param(n).default
        for n in ("temperature", "max_tokens", "top_p", "frequency_penalty", "presence_penalty")
    }
    assert panel == {
        "temperature": 0.7,
        "max_tokens": 1000,
        "top_p": 0.9,
        "frequency_penalty": 0,
        "presence_penalty": 0,
    }


def test_simulator_offers_every_real_model_with_the_same_prices(catalog):
    real = [m for m in catalog.models.values() if not m.simulated]
    assert len(real) == 5
    for model in real:
        copy = catalog.model(f"simulator/{model.id}")
        assert copy.simulated and copy.pricing == model.pricing and copy.params == model.params


def test_simulator_is_the_default_until_a_key_is_set(catalog):
    assert catalog.default_model(environ={}).ref == "simulator/seed-2-0-mini"
    with_key = catalog.default_model(environ={"EMPIRIOLABS_API_KEY": "k"})
    assert with_key.ref == "empiriolabs/seed-2-0-mini"


def test_tier_boundary_is_128000_input_tokens(catalog):
    pricing = catalog.model("empiriolabs/seed-2-0-pro").pricing
    assert pricing.tier_for(127_999).input == Decimal("0.63")
    assert pricing.tier_for(128_000).input == Decimal("1.26")
