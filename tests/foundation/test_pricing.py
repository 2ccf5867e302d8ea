from decimal import Decimal

import pytest

from playground.catalog import catalog_load
from playground.pricing import PriceSnapshot, cost_estimate, cost_for_usage
from playground.providers.types import Usage


@pytest.fixture(scope="module")
def catalog():
    return catalog_load()


def pricing(catalog, ref):
    return catalog.model(ref).pricing


def test_cost_below_the_tier_boundary(catalog):
    cost = cost_for_usage(
        pricing=pricing(catalog, "empiriolabs/seed-2-0-pro"),
        usage=Usage(input_tokens=1_000, output_tokens=500),
    )
    # 1,000 x $0.63/1M + 500 x $3.79/1M
    assert cost.total == Decimal("0.00063") + Decimal("0.001895")
    assert cost.snapshot.tier == 1 and not cost.estimated
    assert [(line.label, line.tokens) for line in cost.lines] == [
        ("Input", 1000),
        ("Cached input", 0),
        ("Output", 500),
        ("Reasoning (billed as output)", 0),
    ]


def test_200000_token_input_uses_the_doubled_tier_for_input_and_output(catalog):
    cost = cost_for_usage(
        pricing=pricing(catalog, "empiriolabs/seed-2-0-mini"),
        usage=Usage(input_tokens=200_000, output_tokens=1_000),
    )
    # 200,000 x $0.24/1M + 1,000 x $1.00/1M
    assert cost.total == Decimal("0.048") + Decimal("0.001")
    assert (cost.snapshot.tier, cost.snapshot.input, cost.snapshot.output) == (
        2,
        Decimal("0.24"),
        Decimal("1.00"),
    )


def test_reasoning_tokens_bill_as_output(catalog):
    cost = cost_for_usage(
        pricing=pricing(catalog, "empiriolabs/seed-2-0-lite"),
        usage=Usage(input_tokens=100, output_tokens=300, reasoning_tokens=200),
    )
    lines = {line.label: line for line in cost.lines}
    assert lines["Output"].tokens == 100 and lines["Reasoning (billed as output)"].tokens == 200
    assert lines["Reasoning (billed as output)"].rate == Decimal("2.50")
    assert cost.total == Decimal("0.000031") + Decimal("0.00075")


def test_cached_input_without_a_rate_is_billed_at_input_rate_as_an_estimate(catalog):
    cost = cost_for_usage(
        pricing=pricing(catalog, "empiriolabs/seed-2-0-code"),
        usage=Usage(input_tokens=10_000, cached_input_tokens=8_000, output_tokens=0),
    )
    lines = {line.label: line for line in cost.lines}
    assert lines["Input"].tokens == 2_000 and lines["Cached input"].tokens == 8_000
    assert lines["Cached input"].estimated and cost.estimated
    assert cost.total == Decimal("0.004")


def test_cached_input_with_a_rate_uses_it(catalog):
    from dataclasses import replace

    card = pricing(catalog, "empiriolabs/seed-2-0-code")
    tier = replace(card.tiers[0], cached_input=Decimal("0.04"))
    card = replace(card, tiers=(tier, card.tiers[1]))
    cost = cost_for_usage(pricing=card, usage=Usage(input_tokens=10_000, cached_input_tokens=8_000))
    assert cost.total == Decimal("0.0008") + Decimal("0.00032") and not cost.estimated


def test_zero_usage_costs_exactly_zero(catalog):
    cost = cost_for_usage(
        pricing=pricing(catalog, "modelslab/bytedance-seed-seed-2.0-mini"), usage=Usage()
    )
    assert cost.total == Decimal(0) and isinstance(cost.total, Decimal)


def test_costs_are_decimals_never_floats(catalog):
    cost = cost_for_usage(
        pricing=pricing(catalog, "empiriolabs/seed-2-0-pro"),
        usage=Usage(input_tokens=3, output_tokens=7),
    )
    assert all(isinstance(line.amount, Decimal) for line in cost.lines)
    assert cost.total == Decimal("0.00000189") + Decimal("0.00002653")


def test_snapshot_round_trips_and_reprices_exactly(catalog):
    usage = Usage(input_tokens=130_000, output_tokens=2_000, reasoning_tokens=500)
    cost = cost_for_usage(pricing=pricing(catalog, "empiriolabs/seed-2-0-pro"), usage=usage)
    stored = PriceSnapshot.from_json(cost.snapshot.as_json())
    assert stored == cost.snapshot
    assert cost_for_usage(snapshot=stored, usage=usage).total == cost.total
    assert cost.snapshot.as_json()["input"] == "1.26"


def test_provider_reported_cost_is_kept_beside_ours(catalog):
    cost = cost_for_usage(
        pricing=pricing(catalog, "empiriolabs/seed-2-0-mini"),
        usage=Usage(input_tokens=10, output_tokens=10, reported_cost=Decimal("0.0000071")),
    )
    assert cost.reported == Decimal("0.0000071")


def test_estimate_gives_a_range_up_to_max_tokens(catalog):
    estimate = cost_estimate(
        pricing=pricing(catalog, "empiriolabs/seed-2-0-mini"),
        input_tokens=2_000,
        max_output_tokens=4_096,
    )
    assert estimate.low == Decimal("0.00024")
    assert estimate.high == Decimal("0.00024") + Decimal("0.002048")


def test_estimate_above_the_boundary_uses_the_high_tier(catalog):
    estimate = cost_estimate(
        pricing=pricing(catalog, "empiriolabs/seed-2-0-mini"),
        input_tokens=200_000,
        max_output_tokens=0,
    )
    assert estimate.low == estimate.high == Decimal("0.048")
