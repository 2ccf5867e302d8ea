from django import template

from playground.catalog import DIALECT_LABELS
from playground.pricing import format_money
from playground.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Model output as sanitised HTML (see playground.rendering)."""
    return render_markdown(text or "")


@register.filter
def thousands(value):
    return "—" if value is None else f"{value:,}"


@register.filter
def seconds(ms):
    return "—" if ms is None else f"{ms / 1000:.2f} s"


@register.filter
def money(amount):
    return format_money(amount)


@register.filter
def param_value(value) -> str:
    """A stored parameter as the panel showed it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return "—" if value is None or value == "" else str(value)


@register.filter
def dialect_label(dialect: str) -> str:
    return DIALECT_LABELS.get(dialect, dialect)


@register.filter
def run_metrics(run):
    from playground.runs.metrics import RunMetrics

    return RunMetrics.from_run(run)


@register.filter
def model_name(ref: str) -> str:
    from playground.catalog import get_catalog
    from playground.page_context import model_label

    model = get_catalog().models.get(ref)
    return model_label(model) if model else ref


@register.filter
def strip_directives(text: str) -> str:
    from playground.simulator.directive import strip_directives as strip

    return strip(text or "")


@register.filter
def names_hidden(run, blind_session=False) -> bool:
    """Blind judging: a run's model stays hidden until its round has a preferred answer, in
    blind rounds, and in every round while the session is blind (its panes were shuffled)."""
    round = run.round if run.round_id else None
    if round is not None and round.preferred_id is not None:
        return False
    return bool(blind_session) or (round is not None and round.blind)


@register.filter
def duration(ms) -> str:
    """12 ms, or 1.08 s: precise enough to tell panes apart."""
    if ms is None:
        return "—"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"
