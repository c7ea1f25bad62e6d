"""Dates as the portal writes them: Buddhist Era years, Thai month names (the department's
workbooks are Thai for every user) and English ones for the English pages."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import get_language

THAI_MONTHS = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
]
THAI_MONTHS_SHORT = [
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
]
ENGLISH_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
ENGLISH_MONTHS_SHORT = [
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


def month_name(month: int, *, short: bool = False, thai: bool = False) -> str:
    """The name of a month (1-12) in the UI's language.

    `thai=True` gives the Thai name whatever the language: the department's workbooks
    are Thai for every user, and their readers look for the Thai month headers.
    """
    if not thai and (get_language() or "").startswith("en"):
        names = ENGLISH_MONTHS_SHORT if short else ENGLISH_MONTHS
    else:
        names = THAI_MONTHS_SHORT if short else THAI_MONTHS
    return names[month - 1]


def period_text(start: dt.date, end: dt.date, *, thai: bool = False) -> str:
    """ "เมษายน 2564 - กันยายน 2564" in Thai, "April 2564 - September 2564 BE" in English:
    Buddhist Era years in both, as on every page of the portal."""
    text = (
        f"{month_name(start.month, thai=thai)} {start.year + 543} - "
        f"{month_name(end.month, thai=thai)} {end.year + 543}"
    )
    if not thai and (get_language() or "").startswith("en"):
        text += " BE"
    return text


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
        return f"{value.day} {ENGLISH_MONTHS_SHORT[value.month - 1]} {year} BE{time}"
    months = THAI_MONTHS if style == "long" else THAI_MONTHS_SHORT
    return f"{value.day} {months[value.month - 1]} {year}{time}"
