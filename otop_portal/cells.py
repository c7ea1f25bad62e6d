"""Parsers for the cells that people type into the department's workbooks.

Every reader (registry, targets, survey, report) uses these, so a Thai digit, a
thousands separator or a tick mark means the same thing in every file. Each parser
takes the raw cell value as a reader returns it (str, int, float, bool, date or None)
and either returns a clean Python value or raises CellError with a Thai message that
names the value. Messages are module constants so tests can assert on them.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

# Marks officers use for "yes" in a readiness or channel cell. 1 and ๑ are the
# department's own instruction; the others are what real files contain.
YES_MARKS = {"1", "✓", "✔", "/", "x", "มี", "ใช่", "y", "yes", "true"}
# "1" and "๑" are the instruction; any other yes-mark is accepted but reported.
CANONICAL_YES = {"1"}
NO_MARKS = {"", "0", "-", "no", "n", "ไม่มี", "ไม่ใช่", "false"}

MSG_NOT_A_NUMBER = _("“%(value)s” ไม่ใช่ตัวเลข")
MSG_NEGATIVE = _("“%(value)s” ติดลบ ต้องเป็นศูนย์หรือมากกว่า")
MSG_NOT_WHOLE = _("“%(value)s” ต้องเป็นจำนวนเต็ม")
MSG_NOT_YES_NO = _("“%(value)s” อ่านไม่ได้ว่าใช่หรือไม่ ให้ใส่ 1 เมื่อใช่ หรือเว้นว่างเมื่อไม่ใช่")
MSG_DATE_IN_NUMBER = _("“%(value)s” เป็นวันที่ แต่ช่องนี้ต้องเป็นตัวเลข")
MSG_REQUIRED = _("ต้องกรอก")
MSG_TOO_LONG = _("ยาวเกิน %(limit)s ตัวอักษร")
MSG_BAD_CODE = _("“%(value)s” ไม่ใช่รหัสที่ถูกต้อง (ตัวเลขและขีดเท่านั้น)")
MSG_BAD_YEAR = _("“%(value)s” ไม่ใช่ปี พ.ศ. (เช่น 2563)")


class CellError(ValueError):
    """A cell whose value cannot be used. `message` is shown to the user as it is."""

    def __init__(self, message, value=None):
        super().__init__(str(message))
        self.message = message
        self.value = value


def display(value) -> str:
    """How a raw cell value is quoted back to the user in an error message."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_SPACES = re.compile(r"\s+")
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_/.]*")
_PHONE_SEPARATORS = re.compile(r"[\s\-]")


def clean_text(value) -> str:
    """Text with Unicode normalised, line breaks and runs of spaces folded, ends trimmed.

    Called for every cell of every upload: ASCII text (codes, numbers, most blanks)
    skips the normalisation, which changes nothing in it."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        text = text.replace("\u200b", "").replace("\xa0", " ")
    return _SPACES.sub(" ", text).strip()


def header_key(value) -> str:
    """A header reduced so that whitespace, line breaks and digits' script do not matter."""
    return _SPACES.sub("", clean_text(value)).translate(THAI_DIGITS)


def is_blank(value) -> bool:
    return value is None or value == "" or clean_text(value) == ""


def _number_text(value) -> str:
    text = clean_text(value).translate(THAI_DIGITS)
    text = text.replace(",", "").replace(" ", "").replace("฿", "")
    if text.endswith("บาท"):
        text = text[: -len("บาท")]
    return text


def parse_amount(value, *, blank_is_zero: bool = True) -> Decimal | None:
    """Baht: 12500, "12,500", "๑๒,๕๐๐", "4,500.5"; "-" and blank are zero.

    Returns a Decimal rounded to satang. With blank_is_zero False, a blank gives None.
    """
    if isinstance(value, bool):
        raise CellError(MSG_NOT_A_NUMBER % {"value": display(value)}, value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise CellError(MSG_DATE_IN_NUMBER % {"value": display(value)}, value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            raise CellError(MSG_NOT_A_NUMBER % {"value": display(value)}, value)
        amount = Decimal(str(value))
    else:
        text = _number_text(value)
        if text in ("", "-", "–", "—"):
            return Decimal("0.00") if blank_is_zero else None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellError(MSG_NOT_A_NUMBER % {"value": display(value)}, value) from None
        if not amount.is_finite():
            raise CellError(MSG_NOT_A_NUMBER % {"value": display(value)}, value)
    if amount < 0:
        raise CellError(MSG_NEGATIVE % {"value": display(value)}, value)
    if amount >= Decimal("1e12"):
        raise CellError(MSG_NOT_A_NUMBER % {"value": display(value)}, value)
    return amount.quantize(Decimal("0.01"))


def parse_whole(value, *, blank=None) -> int | None:
    """A whole number such as a count or a target: 60, "๖๐", "1,873", 60.0."""
    if is_blank(value):
        return blank
    amount = parse_amount(value)
    if amount != amount.to_integral_value():
        raise CellError(MSG_NOT_WHOLE % {"value": display(value)}, value)
    return int(amount)


def parse_yes(value) -> tuple[bool, bool]:
    """A readiness or channel cell: returns (yes, unusual_mark).

    1 and ๑ mean yes, blank means no. ✓, /, x, มี, ใช่ are read as yes too and flagged as
    unusual so that the import summary can say so.
    """
    if value is None or value == "":
        return False, False
    if isinstance(value, bool):
        return value, False
    if isinstance(value, (int, float)):
        if value == 1:
            return True, False
        if value == 0:
            return False, False
        raise CellError(MSG_NOT_YES_NO % {"value": display(value)}, value)
    text = clean_text(value).translate(THAI_DIGITS).lower()
    if text in NO_MARKS:
        return False, False
    if text in CANONICAL_YES or text == "1.0":
        return True, False
    if text in YES_MARKS:
        return True, True
    raise CellError(MSG_NOT_YES_NO % {"value": display(value)}, value)


def parse_code(value, *, required: bool = True) -> str:
    """An entrepreneur or product code. Numbers typed as numbers (560700001.0) come back
    as their digits; Thai digits become Arabic."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(value).translate(THAI_DIGITS).replace(" ", "")
    if not text:
        if required:
            raise CellError(MSG_REQUIRED, value)
        return ""
    if not _CODE.fullmatch(text) or len(text) > 40:
        raise CellError(MSG_BAD_CODE % {"value": display(value)}, value)
    return text.upper()


def parse_name(value, *, required: bool = True, limit: int = 255) -> str:
    text = clean_text(value)
    if not text and required:
        raise CellError(MSG_REQUIRED, value)
    if len(text) > limit:
        raise CellError(MSG_TOO_LONG % {"limit": limit}, value)
    return text


def parse_be_year(value) -> int:
    """A Buddhist Era year such as 2563 or ๒๕๖๓. A Gregorian year (2020) is refused."""
    year = parse_whole(value)
    if year is None:
        raise CellError(MSG_REQUIRED, value)
    if not 2400 <= year <= 2700:
        raise CellError(MSG_BAD_YEAR % {"value": display(value)}, value)
    return year


def parse_small_text(value) -> str:
    """Short free text such as a house number or a village number: Thai digits become Arabic."""
    return clean_text(value).translate(THAI_DIGITS)


def parse_phone(value, *, limit: int) -> str:
    """A phone number as typed: Thai digits become Arabic; spaces and dashes are dropped.
    A longer number is refused rather than cut: the cut one would not be the owner's."""
    text = clean_text(value).translate(THAI_DIGITS)
    text = _PHONE_SEPARATORS.sub("", text)
    if len(text) > limit:
        raise CellError(MSG_TOO_LONG % {"limit": limit}, value)
    return text


@functools.lru_cache(maxsize=16384)
def match_key(value) -> str:
    """A name reduced for matching typed names against the registry. Remembered: an
    upload's preview and its commit match the same district's names, the registry's
    and the file's (issue #19)."""
    return _SPACES.sub("", clean_text(value)).lower()


def csv_safe(value):
    """A value for a CSV cell that a spreadsheet will never evaluate.

    Text that starts with =, +, -, @, a tab or a carriage return gets a leading
    apostrophe (the OWASP advice for CSV injection). XLSX writers do not need this:
    they store such text as a string cell, which Excel never evaluates.
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
