"""The usage page: cost per day per model as server-rendered SVG, totals per model and per
session, tokens by kind, a CSV; staff see anyone's, nobody else sees another's."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from playground import services
from playground.accounts.chart import cost_chart, nice_ceiling
from playground.accounts.models import MonthlyBudget
from playground.accounts.usage import usage_report
from playground.models import Run

pytestmark = pytest.mark.django_db


def add_run(session, *, model=("simulator", "seed-2-0-mini", "Seed 2.0 Mini"), cost="0.01",
            days_ago=0, **tokens):  # fmt: skip
    provider, model_id, name = model
    # Stored with its date: a finished run cannot be changed afterwards.
    run = Run.objects.create(
        pane=session.panes.get(), prompt="p", provider_id=provider, model_id=model_id,
        model_name=name, dialect="chat", status="done", cost=Decimal(cost),
        input_tokens=tokens.get("input", 100), cached_input_tokens=tokens.get("cached", 10),
        output_tokens=tokens.get("output", 50), reasoning_tokens=tokens.get("reasoning", 20),
        usage_source="reported", created_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    return run


PRO = ("empiriolabs", "seed-2-0-pro", "Seed 2.0 Pro")


@pytest.fixture
def alices_runs(alice):
    first = services.session_create(owner_key=f"user:{alice.pk}")
    services.session_rename(access=_edit(first), title="=HYPERLINK(evil)")
    second = services.session_create(owner_key=f"user:{alice.pk}")
    add_run(first, cost="0.01", days_ago=0)
    add_run(first, cost="0.02", days_ago=1)
    add_run(second, model=PRO, cost="0.5", days_ago=1)
    add_run(second, model=PRO, cost="9", days_ago=40)  # outside the 30 days
    return first, second


def _edit(session):
    from playground.access import SessionAccess

    return SessionAccess(session=session, viewer_key=session.owner_key, can_edit=True)


def test_totals_per_model_per_session_and_tokens_by_kind(alice, alices_runs):
    report = usage_report(owner_key=f"user:{alice.pk}", days=30)
    assert [(m.name, m.runs, m.cost) for m in report.models] == [
        ("Seed 2.0 Pro", 1, Decimal("0.5")),
        ("Seed 2.0 Mini", 2, Decimal("0.03")),
    ]
    assert report.total == Decimal("0.53") and report.runs == 3
    assert dict(report.tokens()) == {
        "Input": 270, "Cached input": 30, "Output": 90, "Reasoning": 60,
    }  # fmt: skip
    assert [(s.title, s.runs, s.cost) for s in report.sessions] == [
        ("Untitled session", 1, Decimal("0.5")),
        ("=HYPERLINK(evil)", 2, Decimal("0.03")),
    ]
    assert len(report.days) == 30 and report.days[-1] == timezone.localdate()


def test_the_chart_stacks_each_days_models(alice, alices_runs):
    chart = cost_chart(usage_report(owner_key=f"user:{alice.pk}", days=7))
    titles = sorted(bar.title for bar in chart.bars)
    assert len(titles) == 3 and any("Seed 2.0 Pro: $0.50" in t for t in titles)
    assert all(b.height > 0 and b.y >= 0 and b.y + b.height <= chart.bottom for b in chart.bars)
    assert chart.y_ticks[-1].label == "$1.00"  # the tallest day (0.52) on a nice axis
    assert nice_ceiling(Decimal("0.0031")) == Decimal("0.005")


def test_the_usage_page_draws_svg_without_scripts(client, alice, alices_runs):
    client.force_login(alice)
    page = client.get("/usage/").content.decode()
    assert "<svg" in page and 'role="img"' in page and page.count("<rect") == 3
    assert "Seed 2.0 Pro" in page and "$0.530000" in page
    assert "<script" not in page.split("<main", 1)[1]
    assert "cdn" not in page.lower()
    assert client.get("/usage/?days=7").status_code == 200


def test_the_csv_has_one_line_per_run_and_no_formulas(client, alice, alices_runs):
    client.force_login(alice)
    response = client.get("/usage/runs.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="usage-alice-' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    assert {r["session_title"] for r in rows} >= {"'=HYPERLINK(evil)"}
    assert sum(Decimal(r["cost_usd"]) for r in rows) == Decimal("0.53")
    assert "request" not in rows[0] and "text" not in rows[0]


def test_an_anonymous_browser_sees_its_own_usage(client):
    client.get("/", follow=True)
    page = client.get("/usage/").content.decode()
    assert "Usage" in page and "Log in" in page and "No budget applies" in page


def test_only_staff_see_another_persons_usage(client, alice, bob, admin_user, alices_runs):
    client.force_login(bob)
    assert client.get(f"/usage/?user={alice.pk}").status_code == 404
    assert client.get(f"/usage/runs.csv?user={alice.pk}").status_code == 404
    assert "$0.530000" not in client.get("/usage/").content.decode()
    client.force_login(admin_user)
    page = client.get(f"/usage/?user={alice.pk}").content.decode()
    assert "Usage of alice" in page and "$0.530000" in page
    assert len(client.get(f"/usage/runs.csv?user={alice.pk}").content.splitlines()) == 4
    users = client.get("/admin/auth/user/").content.decode()
    assert f"/usage/?user={alice.pk}" in users


def test_a_user_sets_their_budget_and_sees_what_is_left(client, alice):
    client.force_login(alice)
    client.post("/usage/budget/", {"limit": "5"})
    assert MonthlyBudget.objects.get(user=alice).limit == Decimal("5")
    page = client.get("/usage/").content.decode()
    assert "Your budget:" in page and "left of $5.000000" in page and "<meter" in page
    client.post("/usage/budget/", {"limit": ""})
    assert MonthlyBudget.objects.get(user=alice).limit is None


def test_with_admin_only_budgets_users_cannot_change_theirs(client, alice, admin_user, settings):
    settings.PLAYGROUND_BUDGETS_ADMIN_ONLY = True
    client.force_login(alice)
    assert client.post("/usage/budget/", {"limit": "500"}).status_code == 404
    assert "set by an administrator" in client.get("/usage/").content.decode()
    client.force_login(admin_user)
    client.post("/usage/budget/", {"limit": "2", "user": alice.pk})
    assert MonthlyBudget.objects.get(user=alice).limit == Decimal("2")
