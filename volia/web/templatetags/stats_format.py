"""Number formats for the statistics pages: 1,184 · 12.5% · +37 · "—" for no value."""

from __future__ import annotations

from django import template

from volia.web.charts import number

register = template.Library()


@register.filter
def num(value: float | int | None) -> str:
    return number(value)


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@register.filter
def signed(value: int | None) -> str:
    return "—" if value is None else f"{value:+,}"
