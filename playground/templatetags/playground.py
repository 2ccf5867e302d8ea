from django import template

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
def run_metrics(run):
    from playground.runs.fragments import run_metrics_context

    return run_metrics_context(run)
