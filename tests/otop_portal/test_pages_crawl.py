"""A user's-eye audit: each role follows every link from the home page, in Thai and English.

Phayao's demo (load_demo) is given the sample survey and report of 5604 and 5607, a
submission and a follow-up, so that the pages show dates, amounts and statuses. Then the
administrator, Phayao's provincial staff and the officer of 5607 each start at the home
page and follow the links the pages show (<a href>, same site, GET). Every page a link
leads to must answer 200 (or redirect within the site); on every page:

- in English, no Thai is left once the data (names of places, people, groups, products,
  notes typed by users) is taken out of the text;
- no date is written with a Christian-era year (the portal writes 25 May 2564 BE);
- amounts and counts of a thousand or more have thousands separators (12,500.00).

Pages of one kind (an entrepreneur's answers, a district's KPI explanation, an admin
change form) are many; a few of each kind are enough to read them all, so the crawl takes
up to PER_KIND pages of each and stays in the low hundreds.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.urls import Resolver404, resolve, reverse

from tests.otop_portal.test_translations import THAI_LETTER, VisibleText

ROUND = "2564-2"
PER_KIND = 2
# Phayao and its two districts with the sample workbooks: their pages are all read by
# Phayao's staff and the officer; other areas' pages (and these, for the administrator,
# who comes to them after Phayao's staff) are alike, and a few of each kind are read.
AREAS_READ_IN_FULL = {"56", "5604", "5607"}
MAX_PAGES = 400

# Django's own admin writes dates and numbers with Django's formats (Christian era, no
# separators: "Dec. 6, 2026", "48000.50"); making it write Buddhist Era needs display
# methods in each app's admin.py. Its pages must open, but their text is not read here.
TEXT_NOT_READ = ("/admin/",)

# A date with a Christian-era year: 2021-04-01, 1/4/2021, "April 1, 2021", "1 Apr 2021".
CE_DATE = re.compile(
    r"\b(?:19|20)\d\d-\d\d-\d\d\b"
    r"|\b\d{1,2}/\d{1,2}/(?:19|20)\d\d\b"
    r"|\b[A-Z][a-z]{2,8}\.? \d{1,2}, (?:19|20)\d\d\b"
    r"|\b\d{1,2} [A-Za-z\u0e01-\u0e4f.]{3,10} (?:19|20)\d\d\b(?! ?BE)"
)
# A number that reads like a Christian-era year (1900-2099) on its own. BE years are 25xx,
# so such a number is a CE year or a count of a thousand or more without its separator,
# which reads as one ("2021 days overdue").
CE_LOOKALIKE = re.compile(r"(?<![\d,.\-/])(?:19|20)\d\d(?![\d,.\-/])")
# An amount with four or more digits before the point and no separator: "12500.00".
UNGROUPED_AMOUNT = re.compile(r"(?<![\d,.])\d{4,}\.\d{1,2}(?![\d])")

# What the checks above are about, to be sure the crawl met some: "448,207.50", "25 May 2564 BE".
GROUPED_AMOUNT = re.compile(r"\b\d{1,3}(?:,\d{3})+\.\d\d\b")
BE_DATE = re.compile(r"\b\d{1,2} \S{3,10} 25\d\d\b")

# Files the web server serves, not Django (and not in a test).
NOT_DJANGO = (django_settings.STATIC_URL, django_settings.MEDIA_URL)

ROLES = {
    "admin": "administrator",  # the country's pages and Django's admin
    "phayao": "provincial staff of 56",
    "officer5607": "officer of 5607",
}


def demo_with_work() -> None:
    """The demo, with the sample workbooks of 5604 and 5607 imported through the same
    services as the upload pages, 5607's survey and report submitted, and a follow-up."""
    from districts.models import District, User
    from plans.services import followup_record
    from products.demo.phayao import DEMO_DATA, demo_load
    from products.models import Product
    from products.selectors import round_get
    from reports.services import report_get_or_start, report_import, report_submit
    from surveys.services import survey_get_or_start, survey_import, survey_submit

    demo_load()
    round = round_get(ROUND)
    for code in ("5604", "5607"):
        district = District.objects.get(code=code)
        officer = User.objects.get(username=f"officer{code}")
        for kind, load in (("survey", survey_import), ("report", report_import)):
            name = f"{kind}_{code}.xlsx"
            with (DEMO_DATA / name).open("rb") as fh:
                load(
                    round=round,
                    district=district,
                    file=fh,
                    name=name,
                    by=officer,
                    today=round.starts_on,
                )
    district = District.objects.get(code="5607")
    officer = User.objects.get(username="officer5607")
    survey_submit(
        survey=survey_get_or_start(round=round, district=district),
        by=officer,
        today=round.starts_on,
    )
    report_submit(
        report=report_get_or_start(round=round, district=district),
        by=officer,
        today=round.starts_on,
    )
    followup_record(
        round=round,
        product=Product.objects.base(round).filter(district_id="5607").first(),
        step="contacted",
        on=round.starts_on,
        note="โทรแล้ว ยังไม่พร้อมขายออนไลน์",
        by=officer,
    )


class DataText:
    """Text that comes from the data: it may be Thai in the English UI, and its digits
    (codes, user names) are neither dates nor amounts. `without` takes it out of a text,
    longest value first, looking values up by their first two characters (a crawl reads
    some hundred thousand texts, and there are some ten thousand values)."""

    def __init__(self, values: set[str]) -> None:
        self.by_start: dict[str, list[str]] = {}
        for value in sorted(values, key=len, reverse=True):
            self.by_start.setdefault(value[:2], []).append(value)

    def without(self, text: str) -> str:
        out, i = [], 0
        while i < len(text):
            for value in self.by_start.get(text[i : i + 2], ()):
                if text.startswith(value, i):
                    out.append(" ")
                    i += len(value)
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)


def data_text() -> DataText:
    from districts.models import District, Province, Subdistrict, User
    from plans.models import FollowUp
    from products.models import Entrepreneur, Product, RegistrySnapshot, Target
    from reports.models import Report, ReportLine, ReportUpload
    from surveys.models import Survey, SurveyUpload

    sources = [
        (Province, ["name_th"]),
        (District, ["name_th"]),
        (Subdistrict, ["name_th"]),
        (User, ["username", "first_name", "last_name"]),
        (Entrepreneur, ["code", "name", "house_no", "moo"]),
        (Product, ["code", "name"]),
        (RegistrySnapshot, ["source_name"]),
        (Target, ["reason"]),
        (Survey, ["return_reason"]),
        (Report, ["return_reason"]),
        (ReportLine, ["other_channel", "note", "url"]),
        (FollowUp, ["note"]),
        (SurveyUpload, ["original_name"]),
        (ReportUpload, ["original_name"]),
    ]
    values: set[str] = set()
    for model, fields in sources:
        for row in model.objects.values_list(*fields):
            # Short numbers (a house number, a village) would hide digits of the page's own.
            values.update(v for v in row if v and (len(v) > 6 or len(v) > 1 and not v.isdigit()))
    return DataText(values)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.hrefs.append(href)


@dataclass
class Crawl:
    pages: dict[str, int] = field(default_factory=dict)  # url -> status
    broken: list[str] = field(default_factory=list)
    thai: set[str] = field(default_factory=set)
    ce_years: set[str] = field(default_factory=set)
    ungrouped: set[str] = field(default_factory=set)
    amounts_read: int = 0
    dates_read: int = 0


def kind_of(url: str, full_areas: set[str]) -> tuple:
    """Pages of one kind: the same view, with the same query keys, about the same area
    when it is Phayao's (each of Phayao's districts is read; other provinces are alike)."""
    parts = urlsplit(url)
    match = resolve(parts.path)
    if match.namespace == "admin":
        # The admin's filters and orderings make a kind of every combination.
        return (match.view_name,)
    code = match.kwargs.get("code", "")
    area = code if code in full_areas else ""
    keys = tuple(sorted(k.split("=")[0] for k in parts.query.split("&") if k))
    return (match.view_name, keys, area)


def same_site_path(base: str, href: str) -> str | None:
    absolute = urljoin(f"http://testserver{base}", href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, language: str, data: DataText, full_areas: set[str]) -> Crawl:
    found = Crawl()
    queue = deque([("/", "(start)")])
    queued = {"/"}
    per_kind: dict[tuple, int] = {}
    while queue and len(found.pages) < MAX_PAGES:
        url, source = queue.popleft()
        response = client.get(url)
        found.pages[url] = response.status_code
        if response.status_code in (301, 302):
            location = same_site_path(url, response["Location"])
            assert location, f"{url} redirects off the site: {response['Location']}"
            if location.startswith(reverse("login")):
                found.broken.append(f"{url} sends to the login page (linked from {source})")
            links = [location]
        elif response.status_code != 200:
            found.broken.append(f"{response.status_code} {url} (linked from {source})")
            continue
        elif not response.get("Content-Type", "").startswith("text/html"):
            continue  # a download: its status is all that is checked
        else:
            html = response.content.decode()
            if not url.startswith(TEXT_NOT_READ):
                read_text(html, url, language, data, found)
            parser = Links()
            parser.feed(html)
            links = parser.hrefs
        for href in links:
            path = same_site_path(url, href)
            if path is None or path in queued or path.startswith(NOT_DJANGO):
                continue
            try:
                kind = kind_of(path, full_areas)
            except Resolver404:
                found.broken.append(f"404 {path} (linked from {url}: no such page)")
                continue
            if kind[0] == "logout":
                continue
            if per_kind.get(kind, 0) >= (1 if path.startswith(TEXT_NOT_READ) else PER_KIND):
                continue
            per_kind[kind] = per_kind.get(kind, 0) + 1
            queued.add(path)
            queue.append((path, url))
    return found


class PageText(VisibleText):
    """VisibleText leaves out what is marked lang="th" (in the English UI, the switch back
    to Thai); a Thai page is marked so as a whole, on <html>, and is read whole."""

    def handle_starttag(self, tag, attrs):
        if tag != "html":
            super().handle_starttag(tag, attrs)


def read_text(html: str, url: str, language: str, data: DataText, found: Crawl) -> None:
    parser = PageText()
    parser.feed(html)
    for part in parser.parts:
        part = data.without(part)
        if language == "en" and THAI_LETTER.search(part):
            found.thai.add(f"{url}: {part}")
        if CE_DATE.search(part) or CE_LOOKALIKE.search(part):
            found.ce_years.add(f"{url}: {part}")
        if UNGROUPED_AMOUNT.search(part):
            found.ungrouped.add(f"{url}: {part}")
        found.amounts_read += len(GROUPED_AMOUNT.findall(part))
        found.dates_read += len(BE_DATE.findall(part))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("username", list(ROLES))
def test_every_page_a_role_reaches_opens_and_reads_well(
    client, settings, monkeypatch, tmp_path, username, language
):
    from districts.models import User
    from jobs import progress

    settings.MEDIA_ROOT = tmp_path
    demo_with_work()
    monkeypatch.setattr(progress, "THREADED", False)  # as in tests/jobs/conftest.py
    user = User.objects.get(username=username)
    client.force_login(user)
    # An export run earlier, in Thai (the default), so that "My jobs" lists a finished job.
    area = {"district": user.district_id} if user.district_id else {"province": "56"}
    started = client.post(reverse("jobs:export"), {"kind": "survey_export", "round": ROUND, **area})
    assert started.status_code == 302 and "/jobs/" in started["Location"]
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language

    full_areas = set() if user.is_portal_admin else AREAS_READ_IN_FULL
    found = crawl(client, language, data_text(), full_areas)

    print(f"{ROLES[username]} in {language}: {len(found.pages)} pages")
    assert len(found.pages) > 15, sorted(found.pages)
    assert len(found.pages) < MAX_PAGES, "the crawl was cut short: raise MAX_PAGES"
    assert found.broken == []
    assert sorted(found.thai) == [], "Thai left in the English UI"
    assert sorted(found.ce_years) == [], "a Christian-era year, or a count without separator"
    assert sorted(found.ungrouped) == [], "an amount without thousands separators"
    assert found.dates_read > 0
    if full_areas:  # Phayao's pages show the sample's sales; other areas have none
        assert found.amounts_read > 0
