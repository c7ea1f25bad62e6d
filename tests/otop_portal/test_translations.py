"""The English UI is complete: the catalog translates every string, and pages read in English.

The msgids are Thai (Thai is the default language), so English exists only through
locale/en/LC_MESSAGES/django.po and its compiled django.mo. `make messages` refreshes both.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from districts.models import District
from otop_portal.i18n_check import parse_po, problems, read_po

BASE_DIR = Path(django_settings.BASE_DIR)
CATALOG = BASE_DIR / "locale" / "en" / "LC_MESSAGES"
ROUND = "2564-2"

# What `make messages` leaves out of the scan: `makemessages --ignore=...`.
NOT_SCANNED = {".venv", "var", "bench", "tests", "locale", "node_modules", "media", "htmlcov"}
SCANNED_SUFFIXES = {".py", ".html", ".txt"}  # makemessages' defaults for the django domain

THAI_LETTER = re.compile(r"[\u0e01-\u0e4f\u0e5a-\u0e7f]")  # Thai digits are not letters


def gettext_tools(*names: str) -> None:
    """Skip when GNU gettext is missing on a developer's machine; CI installs it, so there
    a missing tool is a failure, never a silent skip."""
    missing = [name for name in names if shutil.which(name) is None]
    if not missing:
        return
    message = f"GNU gettext is not installed (no {', '.join(missing)}); apt-get install gettext"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def keys(entries) -> set[tuple]:
    return {
        (e.msgctxt, e.msgid, e.msgid_plural) for e in entries if not e.is_header and not e.obsolete
    }


def test_every_language_besides_thai_has_a_compiled_catalog(settings):
    others = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    assert others
    for code in others:
        folder = BASE_DIR / "locale" / code / "LC_MESSAGES"
        assert (folder / "django.po").is_file(), f"no catalog for {code}"
        assert (folder / "django.mo").is_file(), "run `make messages` to compile the catalog"


def test_the_english_catalog_translates_every_entry_and_none_is_fuzzy():
    entries = read_po(CATALOG / "django.po")
    assert len(keys(entries)) > 500
    assert problems(entries) == []


def test_the_checker_finds_each_kind_of_problem():
    po = """
#, python-format
msgid "ร้อยละ %(rate)s"
msgstr "% of %(rate)s"

#, fuzzy
msgid "ไทย"
msgstr "Thai"

msgid "ผลิตภัณฑ์ %(n)s รายการ"
msgid_plural "ผลิตภัณฑ์ %(n)s รายการ"
msgstr[0] "%(n)s product"
msgstr[1] ""

#, python-format
msgid "อำเภอ%(name)s"
msgstr "District %(district)s"

msgid "บันทึก"
msgstr "บันทึก"
"""
    found = "\n".join(problems(parse_po(po)))
    assert "'% of %(rate)s' cannot be %-formatted" in found
    assert "'ไทย' is marked fuzzy" in found
    assert "'ผลิตภัณฑ์ %(n)s รายการ' is not translated" in found
    assert "'District %(district)s' changes the placeholders" in found
    assert "'บันทึก' still holds Thai letters" in found


def test_the_catalog_holds_every_string_marked_in_the_code_and_templates(
    tmp_path, settings, monkeypatch
):
    """makemessages runs on a copy of the sources: on the real tree it would write scratch
    files beside the templates while other tests read them."""
    gettext_tools("xgettext", "msguniq", "msgmerge", "msgattrib")
    source = tmp_path / "src"
    for root, dirs, files in os.walk(BASE_DIR):
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".")
            and d not in NOT_SCANNED
            and not d.endswith(".egg-info")
            and d != "__pycache__"
        ]
        for name in files:
            if Path(name).suffix in SCANNED_SUFFIXES:
                path = Path(root) / name
                copy = source / path.relative_to(BASE_DIR)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copy)
    (source / "locale").mkdir()
    settings.LOCALE_PATHS = [str(source / "locale")]
    monkeypatch.chdir(source)

    call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)

    wanted = keys(read_po(source / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    have = keys(read_po(CATALOG / "django.po"))
    assert sorted(wanted - have) == [], "new strings: run `make messages` and translate them"
    assert sorted(have - wanted) == [], "stale entries: run `make messages`"


def test_the_compiled_catalog_matches_the_po_file():
    """Compares contents, not dates: a git checkout does not keep file times. The header is
    left out: msgfmt rewrites it."""
    expected = {}
    for e in read_po(CATALOG / "django.po"):
        if e.is_header or e.obsolete or "fuzzy" in e.flags or not e.translated:
            continue
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        if e.msgid_plural is None:
            expected[key] = e.msgstr[0]
        else:
            expected.update({(key, n): text for n, text in e.msgstr.items()})
    with open(CATALOG / "django.mo", "rb") as fh:
        translations = gettext.GNUTranslations(fh)
    assert translations.info()["language"] == "en"
    compiled = {k: v for k, v in translations._catalog.items() if k != ""}
    assert {k for k in expected if k not in compiled} == set(), "run `make messages`"
    assert {k for k in compiled if k not in expected} == set(), "run `make messages`"
    assert {k for k in expected if compiled[k] != expected[k]} == set(), "run `make messages`"


def test_msgfmt_accepts_the_catalog(tmp_path):
    """msgfmt --check also verifies each python-format msgstr against its msgid."""
    gettext_tools("msgfmt")
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(CATALOG / "django.po")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


UNMARKED = [
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S),
    re.compile(r"\{%\s*trans(?:late)?\s+(?:\"[^\"]*\"|'[^']*').*?%\}", re.S),
    # The language switcher names Thai in Thai, marked lang="th" for screen readers.
    re.compile(r"<(\w+)[^>]*\blang=\"th\"[^>]*>.*?</\1>", re.S),
]


def test_no_template_has_thai_text_outside_a_translate_tag():
    found = []
    for path in sorted(BASE_DIR.glob("*/templates/**/*")) + sorted(BASE_DIR.glob("templates/**/*")):
        if not path.is_file() or path.suffix not in {".html", ".txt"}:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in UNMARKED:
            text = pattern.sub("", text)
        found += [
            f"{path.relative_to(BASE_DIR)}: {line.strip()}"
            for line in text.splitlines()
            if THAI_LETTER.search(line)
        ]
    assert found == []


class VisibleText(HTMLParser):
    """Text a user reads or hears: element text and the attributes shown or spoken, without
    scripts, styles and parts marked lang="th" (the switch back to Thai)."""

    SPOKEN = ("title", "aria-label", "placeholder", "alt", "data-label")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip_tag: str | None = None
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._skip_tag:
            self._skip_depth += tag == self._skip_tag
            return
        if tag in ("script", "style") or (attrs.get("lang") or "").startswith("th"):
            self._skip_tag, self._skip_depth = tag, 1
            return
        self.parts += [attrs[name] for name in self.SPOKEN if attrs.get(name)]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self._skip_tag and tag == self._skip_tag:
            self._skip_depth -= 1
            if not self._skip_depth:
                self._skip_tag = None

    def handle_data(self, data):
        if not self._skip_tag and data.strip():
            self.parts.append(" ".join(data.split()))


def thai_left(html: str, *, data: list[str]) -> list[str]:
    """Visible text that still holds Thai once the given data (place names) is taken out."""
    parser = VisibleText()
    parser.feed(html)
    left = []
    for part in parser.parts:
        for value in sorted(data, key=len, reverse=True):
            part = part.replace(value, "")
        if THAI_LETTER.search(part):
            left.append(part)
    return left


def place_names(*district_codes: str) -> list[str]:
    names = []
    for d in District.objects.filter(code__in=district_codes).select_related("province"):
        names += [d.name_th, d.province.name_th]
    return names


@pytest.fixture
def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_login_page_is_english(english, db):
    response = english.get(reverse("login"))
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert thai_left(html, data=[]) == []


def test_the_language_switch_turns_the_portal_english(client, officer, round_2564):
    client.force_login(officer)
    page = reverse("reports:upload", kwargs={"round_code": ROUND, "code": "5607"})
    assert "นำเข้าแบบรายงานผล" in client.get(page).content.decode()

    response = client.post(reverse("set_language"), {"language": "en", "next": page}, follow=True)

    html = response.content.decode()
    assert "Import the result report" in html
    assert thai_left(html, data=place_names("5607")) == []


def test_the_target_form_and_its_errors_are_english(english, province_staff, round_2564):
    english.force_login(province_staff)
    url = reverse("products:target_edit", kwargs={"round_code": ROUND, "code": "5607"})

    page = english.get(url).content.decode()
    assert "Set or clear the official target" in page
    assert thai_left(page, data=place_names("5607")) == []

    refused = english.post(url, {"official": "5", "reason": ""}).content.decode()
    assert "Please give a reason" in refused
    assert thai_left(refused, data=place_names("5607")) == []


def test_the_target_import_form_is_english(english, province_staff, round_2564):
    english.force_login(province_staff)
    url = reverse("products:targets_import", kwargs={"round_code": ROUND, "code": "56"})
    html = english.get(url).content.decode()
    assert "Import official targets" in html
    assert thai_left(html, data=place_names("5607")) == []


def test_place_names_are_not_glued_to_english_words(english, officer, round_2564):
    """In Thai the word comes first and joins the name (อำเภอแม่ใจ); English puts it after,
    with a space (แม่ใจ district). A translated word followed by a name in the template
    would read "Districtแม่ใจ"."""
    english.force_login(officer)
    pages = [
        reverse("surveys:detail", kwargs={"round_code": ROUND, "code": "5607"}),
        reverse("surveys:upload", kwargs={"round_code": ROUND, "code": "5607"}),
        reverse("reports:detail", kwargs={"round_code": ROUND, "code": "5607"}),
    ]
    for url in pages:
        html = english.get(url).content.decode()
        assert "แม่ใจ district" in html, url
        assert not re.search(r"[A-Za-z.][\u0e01-\u0e4f]", html), url


def test_the_vocabularies_read_in_english_while_the_files_stay_thai():
    from django.utils import translation

    from products.vocab import (
        ENTREPRENEUR_TYPE_TH,
        PRODUCT_TYPE_TH,
        EntrepreneurType,
        ProductType,
        parse_product_type,
    )

    with translation.override("en"):
        assert str(ProductType.FOOD.label) == "Food"
        assert str(EntrepreneurType.SME.label) == "Small or medium enterprise (SME)"
        assert parse_product_type("อาหาร") == ProductType.FOOD
    with translation.override("th"):
        assert {int(t): str(t.label) for t in ProductType} == PRODUCT_TYPE_TH
        assert {int(t): str(t.label) for t in EntrepreneurType} == ENTREPRENEUR_TYPE_TH
