"""Template filters for how the portal writes dates, money and percentages in Thai."""

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.translation import get_language

from otop_portal.refusal import Refusal, refusal_summarize
from products.models import THAI_MONTHS, THAI_MONTHS_SHORT

register = template.Library()

EN_MONTHS_SHORT = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
]


@register.filter
def be_date(value, style: str = "short"):
    """25 พ.ค. 2564 (Buddhist Era) in Thai; 25 May 2564 BE in English."""
    if not value:
        return "–"
    time = ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        time = f" {value:%H:%M}"
        value = value.date()
    year = value.year + 543
    if (get_language() or "th").startswith("en"):
        return f"{value.day} {EN_MONTHS_SHORT[value.month - 1]} {year} BE{time}"
    months = THAI_MONTHS if style == "long" else THAI_MONTHS_SHORT
    return f"{value.day} {months[value.month - 1]} {year}{time}"


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
