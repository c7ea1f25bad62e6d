"""Template filters for how the portal writes dates, money and percentages in Thai.

The ground floor is no Django app: settings.TEMPLATES names this library (`portal`)."""

from decimal import Decimal

from django import template

from otop_portal.dates import be_date
from otop_portal.refusal import Refusal, refusal_summarize

register = template.Library()

register.filter("be_date", be_date)


@register.filter
def be_datetime(value):
    return be_date(value)


@register.filter
def baht(value, places: int = 2):
    """12,500.00 — baht with thousands separators; an empty value is a dash."""
    if value is None or value == "":
        return "–"
    return f"{Decimal(value):,.{int(places)}f}"


@register.filter
def number(value):
    if value is None or value == "":
        return "–"
    return f"{int(value):,}"


@register.filter
def pct(value, places: int = 2):
    """58.08 % ; None (no baseline) is a dash, never an error."""
    if value is None or value == "":
        return "–"
    return f"{Decimal(value):,.{int(places)}f} %"


@register.filter
def bar_width(value):
    """A percentage clamped to 0..100 for a progress bar's width."""
    if value is None:
        return 0
    return max(0, min(100, int(Decimal(value))))


@register.simple_tag(takes_context=True)
def refusal_in(context):
    """The page's refusal (otop_portal.refusal): its `refusal`, or one made of its
    `problems`, so that every page tells a refused file the same way (headline, advice,
    the first problems); None when the page has neither."""
    value = context.get("refusal") or context.get("problems")
    if not value or isinstance(value, Refusal):
        return value or None
    return refusal_summarize(value)
