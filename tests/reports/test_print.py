"""Every workbook the portal writes prints fit to sign (issue #16).

Each form (attachments 1, 2 and 3 of the sample districts and of their whole province,
the progress sheet, the dashboard of a province and of the country) is converted to PDF
by LibreOffice headless, as a district prints it, and poppler's `pdftotext -bbox` gives
the box of every printed word. On the first two pages no word may print over another,
every page after a sheet's first starts with the table's header rows, and no code or
amount is cut (LibreOffice prints ### for a number wider than its column).

LibreOffice prints TH SarabunPSK in Laksaman (fonts-thai-tlwg); without those fonts the
widths differ and the check means nothing. A missing tool skips these tests on a
developer's machine, with the reason; in CI (CI=true) it fails the run.
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROUND = "2564-2"
# LibreOffice converts a dozen small forms in a few seconds; a hung soffice still fails.
CONVERT_TIMEOUT = 300
# Two words print over each other when their boxes intersect by more than a third of the
# smaller box. Thai vowels and tone marks make neighbouring boxes touch: an intersection
# thinner than this many points, across or down, is not counted.
TOUCH = 1.0

WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)
PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _tools() -> str:
    """soffice's path; skips (or fails in CI) when LibreOffice, poppler or the fonts are
    missing."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    missing = []
    if soffice is None:
        missing.append("LibreOffice (libreoffice-calc-nogui)")
    if shutil.which("pdftotext") is None:
        missing.append("pdftotext (poppler-utils)")
    fonts = (
        subprocess.run(["fc-list"], capture_output=True, text=True).stdout
        if shutil.which("fc-list")
        else ""
    )
    if "Laksaman" not in fonts:
        missing.append("the Thai fonts (fonts-thai-tlwg)")
    if missing:
        reason = "print test needs " + ", ".join(missing)
        if _in_ci():
            pytest.fail(f"{reason} (CI=true: the print test must run in CI)", pytrace=False)
        pytest.skip(reason)
    return soffice


def to_pdf(soffice: str, files: list[Path], out: Path) -> None:
    """Convert all the files in one soffice call, with a private profile so parallel
    test workers never share one."""
    profile = out / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=CONVERT_TIMEOUT,
    )


def pdf_pages(pdf: Path) -> list[list[Word]]:
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        [
            Word(float(a), float(b), float(c), float(d), html.unescape(text))
            for a, b, c, d, text in WORD.findall(body)
        ]
        for body in PAGE.findall(out)
    ]


def overlapping(words: list[Word]) -> list[tuple[str, str]]:
    """The pairs of words that print over each other."""
    found = []
    ordered = sorted(words, key=lambda w: w.y0)
    for index, a in enumerate(ordered):
        for b in ordered[index + 1 :]:
            if b.y0 > a.y1:
                break
            across = min(a.x1, b.x1) - max(a.x0, b.x0)
            down = min(a.y1, b.y1) - max(a.y0, b.y0)
            if across <= TOUCH or down <= TOUCH:
                continue
            if across * down > min(a.area, b.area) / 3:
                found.append((a.text, b.text))
    return found


@dataclass
class Form:
    name: str
    url: str
    user: str
    # A word printed only in the header rows' top line; a word that only a sheet's
    # titles print, for a workbook of several sheets.
    header: str
    sheet_titles: tuple[str, ...] = ()


def forms() -> list[Form]:
    district = {"round_code": ROUND, "code": "5607"}
    other = {"round_code": ROUND, "code": "5604"}
    province = {"round_code": ROUND, "code": "56"}
    return [
        Form("survey_5607", reverse("surveys:export", kwargs=district), "officer", "ที่อยู่"),
        Form("survey_5604", reverse("surveys:export", kwargs=other), "outsider", "ที่อยู่"),
        Form("survey_56", reverse("surveys:province_export", kwargs=province), "province", "ที่อยู่"),
        Form("report_5607", reverse("reports:download", kwargs=district), "officer", "ที่"),
        Form("report_5604", reverse("reports:download", kwargs=other), "outsider", "ที่"),
        Form("report_56", reverse("reports:province_download", kwargs=province), "province", "ที่"),
        Form("targets_56", reverse("products:targets_xlsx", kwargs=province), "province", "ที่"),
        Form(
            "progress_56",
            reverse("dashboards:targets_progress", kwargs=province),
            "province",
            "ที่",
            sheet_titles=("ความก้าวหน้า",),
        ),
        Form(
            "dashboard_56",
            reverse("dashboards:province_xlsx", kwargs=province),
            "province",
            "ที่",
            sheet_titles=("ผลการดำเนินงาน",),
        ),
        Form(
            "dashboard_country",
            reverse("dashboards:country_xlsx", kwargs={"round_code": ROUND}),
            "admin",
            "ที่",
            sheet_titles=("ผลการดำเนินงาน",),
        ),
    ]


def header_problem(pages: list[list[Word]], form: Form) -> str | None:
    """None when every page after a sheet's first starts with the header rows: its top
    line holds the header's word, and nothing prints above the header."""
    for number, words in enumerate(pages[1:], start=2):
        if not words:
            continue
        top = min(w.y0 for w in words)
        first_line = sorted((w for w in words if w.y0 < top + 4), key=lambda w: w.x0)
        line = " ".join(w.text for w in first_line)
        if any(title in line for title in form.sheet_titles):
            continue  # the first page of the workbook's next sheet: its titles first
        header = [w for w in words if w.text == form.header]
        if not header:
            return f"page {number} has no header row (no “{form.header}”)"
        if min(w.y0 for w in header) > top + 40:
            return f"page {number} starts with “{line[:80]}”, not with the header rows"
    return None


@pytest.fixture
def filled_forms(sample_registry, official_targets, samples):
    """The sample districts' survey and report, imported as the districts send them."""
    for code in ("5607", "5604"):
        for command, sample in (("import_survey", "survey"), ("import_report", "report")):
            call_command(
                command,
                str(samples / f"{sample}_{code}.xlsx"),
                "--round",
                ROUND,
                "--district",
                code,
                stdout=io.StringIO(),
            )


def test_it_prints_every_form_with_no_word_over_another_and_the_header_on_every_page(
    client, officer, outsider, province_staff, admin, filled_forms, tmp_path
):
    soffice = _tools()
    users = {"officer": officer, "outsider": outsider, "province": province_staff, "admin": admin}
    files = []
    for form in forms():
        client.force_login(users[form.user])
        response = client.get(form.url)
        assert response.status_code == 200, form.name
        body = b"".join(response.streaming_content) if response.streaming else response.content
        path = tmp_path / f"{form.name}.xlsx"
        path.write_bytes(body)
        files.append(path)

    to_pdf(soffice, files, tmp_path)

    problems = {}
    for form in forms():
        pdf = tmp_path / f"{form.name}.pdf"
        assert pdf.exists(), f"LibreOffice did not print {form.name}"
        pages = pdf_pages(pdf)
        assert pages and pages[0], f"{form.name} printed no words"
        for number, words in enumerate(pages[:2], start=1):
            if pairs := overlapping(words):
                problems[f"{form.name} page {number}"] = (
                    f"{len(pairs)} words over others: {pairs[:5]}"
                )
        if cut := [w.text for page in pages for w in page if set(w.text) == {"#"}]:
            problems[f"{form.name} cut numbers"] = f"{len(cut)} cells print ###"
        if problem := header_problem(pages, form):
            problems[form.name] = problem
    assert problems == {}


def test_it_counts_words_printed_over_each_other():
    line = [Word(0, 0, 40, 10, "ผลิตภัณฑ์"), Word(45, 0, 80, 10, "OTOP")]
    assert overlapping(line) == []
    # A tone mark's box touching the next word's is not an overlap.
    assert overlapping([Word(0, 0, 40, 10, "ที่"), Word(39.5, 0, 70, 10, "อยู่")]) == []
    over = [Word(0, 0, 60, 10, "ช่องทางจำหน่าย"), Word(10, 2, 70, 12, "OTOP Today")]
    assert overlapping(over) == [("ช่องทางจำหน่าย", "OTOP Today")]


def test_it_finds_a_page_that_does_not_start_with_the_header():
    form = Form("report", "", "officer", "ที่")
    first = [Word(0, 0, 10, 8, "ที่"), Word(0, 50, 50, 58, "560700001")]
    repeated = [Word(0, 20, 10, 28, "ที่"), Word(0, 60, 50, 68, "560700031")]
    assert header_problem([first, repeated], form) is None
    cut = [Word(0, 20, 50, 28, "560700031"), Word(0, 90, 50, 98, "560700032")]
    assert header_problem([first, cut], form) == "page 2 has no header row (no “ที่”)"


def test_it_fails_instead_of_skipping_in_ci_when_libreoffice_is_missing(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        _tools()
