"""A corpus of broken workbooks for each importer: registry, targets (attachment 1),
survey (attachment 2) and report (attachment 3), through the import service and the
management command.

Each workbook is made from the importer's sample by one change. Before it is tried, the
sample itself is imported, so that a refused file has something it could have damaged
and a harmless change must leave the data exactly as the sample made it.

What each change gets (the decisions are the expectations below):
- a truncated zip, or a workbook without the form: refused, saying why;
- the form on a second sheet behind an unrelated first sheet: read (every reader looks
  for its header on every visible sheet);
- hidden rows: read. Hiding a row in Excel does not delete it, and a reader that skipped
  hidden rows would drop data an officer may have hidden only to print;
- a border drawn down to row 1,048,576 (dimension A1:P1048576, no values there): read;
- a value typed in row 1,048,576: refused, naming the cell, before the reader builds a
  16-million-cell sheet (otop_portal.uploads.check_extent);
- a formula: read as the value Excel saved with it;
- a date in a number cell: refused, "… เป็นวันที่ แต่ช่องนี้ต้องเป็นตัวเลข";
- emoji in a name: read as typed (a name is free text; the registry keeps it), or, for a
  district's name in attachment 1, resolved to the real district with a notice;
  emoji in a number: refused, "… ไม่ใช่ตัวเลข".
Every refusal leaves the database as it was, and a command ends in CommandError (never
another exception): the message is printed, the exit status is non-zero.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from openpyxl.styles import Border, Side

from districts.models import District
from otop_portal.cells import parse_amount
from otop_portal.importing import ImportRefused
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.workflow import WorkflowError
from tests.security.conftest import data_fingerprint

AS_OF = dt.date(2021, 4, 1)


@dataclass
class Importer:
    name: str
    sample: str
    #: Cells (Excel references) the changes use: a name, a number, a formula's cell,
    #: the first data row.
    name_cell: str
    number_cell: str
    formula_cell: str
    first_row: int
    kwargs: dict = field(default_factory=dict)

    def service(self, path: Path, round, *, dry_run: bool = False):
        """Import through the service; returns whether anything changed."""
        with path.open("rb") as fh:
            if self.name == "registry":
                from products.services.registry import registry_import_file

                return registry_import_file(
                    file=fh, as_of=AS_OF, name=path.name, dry_run=dry_run
                ).changed
            if self.name == "targets":
                from products.services.targets import targets_import

                return targets_import(
                    round=round, file=fh, name=path.name, province="56", dry_run=dry_run
                ).changed
            district = District.objects.get(code="5607")
            if self.name == "survey":
                from surveys.services import survey_import

                return survey_import(
                    round=round, district=district, file=fh, name=path.name, dry_run=dry_run
                ).changed
            from reports.services import report_import

            return bool(
                report_import(
                    round=round, district=district, file=fh, name=path.name, dry_run=dry_run
                ).changed
            )

    def command(self, path: Path, round, *, dry_run: bool = False) -> None:
        args = {
            "registry": ["import_registry", str(path), "--as-of", AS_OF.isoformat()],
            "targets": ["import_targets", str(path), "--round", round.code, "--province", "56"],
            "survey": ["import_survey", str(path), "--round", round.code, "--district", "5607"],
            "report": ["import_report", str(path), "--round", round.code, "--district", "5607"],
        }[self.name]
        call_command(
            *args, *(["--dry-run"] if dry_run else []), stdout=io.StringIO(), stderr=io.StringIO()
        )


IMPORTERS = {
    "registry": Importer(
        "registry",
        "registry.xlsx",
        name_cell="B2",
        number_cell="G2",
        formula_cell="E2",
        first_row=2,
    ),
    "targets": Importer(
        "targets",
        "targets_official.xlsx",
        name_cell="B6",
        number_cell="E7",
        formula_cell="E6",
        first_row=6,
    ),
    "survey": Importer(
        "survey",
        "survey_5607.xlsx",
        name_cell="B7",
        number_cell="P7",
        formula_cell="P7",
        first_row=7,
    ),
    "report": Importer(
        "report",
        "report_5607.xlsx",
        name_cell="C8",
        number_cell="O8",
        formula_cell="S8",
        first_row=7,
    ),
}


# ---------------------------------------------------------------------------
# Making the corpus
# ---------------------------------------------------------------------------


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _set_cached_formula(data: bytes, sheet_path: str, ref: str, formula: str, cached) -> bytes:
    """Write a formula with the value Excel would have saved with it (openpyxl writes
    formulas without one)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read(sheet_path).decode()
        members = {n: zf.read(n) for n in zf.namelist()}
    formula = formula.lstrip("=").replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    if isinstance(cached, str):
        cell = f'<c r="{ref}" t="str"><f>{formula}</f><v>{cached}</v></c>'
    else:
        cell = f'<c r="{ref}"><f>{formula}</f><v>{cached}</v></c>'
    pattern = re.compile(rf'<c r="{ref}"(?:\s[^>]*?)?(?:/>|>.*?</c>)', re.S)
    assert pattern.search(xml), f"{ref} is not in {sheet_path}"
    members[sheet_path] = pattern.sub(cell, xml, count=1).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


def _column(ref: str) -> str:
    return ref.rstrip("0123456789")


def _row(ref: str) -> int:
    return int(ref[len(_column(ref)) :])


def make_case(importer: Importer, case: str, samples: Path) -> bytes:
    """The importer's sample with one change."""
    path = samples / importer.sample
    data = path.read_bytes()
    if case == "truncated-zip":
        return data[: len(data) // 2]
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    if case == "no-form":
        other = openpyxl.Workbook()
        other.active.title = "สรุป"
        other.active.append(["ยอดรวมทั้งจังหวัด", 123])
        return _save(other)
    if case == "second-sheet":
        sheet.title = "ข้อมูลจริง"
        cover = book.create_sheet("ปก", 0)
        cover.append(["บันทึกข้อความ"])
        cover.append(["เรื่อง ส่งแบบรายงาน", "", "อำเภอแม่ใจ"])
        book.active = 0
        return _save(book)
    if case == "hidden-rows":
        for r in range(importer.first_row + 1, importer.first_row + 4):
            sheet.row_dimensions[r].hidden = True
        return _save(book)
    if case == "border-to-last-row":
        sheet["P1048576"].border = Border(bottom=Side(style="thin"))
        return _save(book)
    if case == "value-in-last-row":
        sheet["P1048576"] = "x"  # column P: inside every form but attachment 3 (A:U)
        return _save(book)
    if case == "formula":
        ref = importer.formula_cell
        if importer.name == "report":
            months = [sheet[f"{c}{_row(ref)}"].value for c in "MNOPQR"]
            cached = sum(parse_amount(v) for v in months)
            formula = f"=SUM(M{_row(ref)}:R{_row(ref)})"
        else:
            value = sheet[ref].value
            if isinstance(value, str):
                half = len(value) // 2
                cached, formula = value, f'="{value[:half]}"&"{value[half:]}"'
            else:
                cached = parse_amount(value) if value is not None else Decimal("0")
                formula = f"={cached}+0"
        sheet[ref] = 0  # openpyxl writes no element for an empty cell; this one is replaced
        data = _save(book)
        return _set_cached_formula(
            data,
            "xl/worksheets/sheet1.xml",
            ref,
            formula,
            cached if isinstance(cached, str) else float(cached),
        )
    if case == "date-in-number":
        sheet[importer.number_cell] = dt.date(2021, 5, 1)
        sheet[importer.number_cell].number_format = "d/m/yyyy"
        return _save(book)
    if case == "emoji-in-name":
        sheet[importer.name_cell] = f"{sheet[importer.name_cell].value} 🧵✨"
        return _save(book)
    if case == "emoji-in-number":
        value = sheet[importer.number_cell].value
        sheet[importer.number_cell] = f"{value if value not in (None, '') else 1} 💰"
        return _save(book)
    raise AssertionError(case)


# (expectation, words of the message): "read" means the import goes through and, the
# sample having been imported before, changes nothing.
EXPECTED = {
    "truncated-zip": ("refused", "เสียหาย"),
    "no-form": ("refused", "ไม่พบ"),
    "second-sheet": ("read", None),
    "hidden-rows": ("read", None),
    "border-to-last-row": ("read", None),
    "value-in-last-row": ("refused", "มีข้อมูลไปถึงช่อง"),
    "formula": ("read", None),
    "date-in-number": ("refused", "เป็นวันที่"),
    "emoji-in-name": ("read", None),
    "emoji-in-number": ("refused", "ไม่ใช่"),
}
# Where an importer does otherwise, and why.
EXCEPTIONS = {
    # The registry's entrepreneur name is data: the import changes it, to the name typed.
    ("registry", "emoji-in-name"): ("changed", None),
}


def _expected(importer: str, case: str):
    return EXCEPTIONS.get((importer, case), EXPECTED[case])


REFUSALS = (ImportRefused, SpreadsheetError, WorkflowError)


def _message(exc) -> str:
    if isinstance(exc, ImportRefused):
        return " ".join(str(p) for p in exc.problems)
    return str(exc.message)


@pytest.fixture
def loaded(sample_registry_and_round, samples, request):
    """The round, the sample registry, and the importer's own sample imported."""
    importer = IMPORTERS[request.node.callspec.params["importer"]]
    if importer.name != "registry":
        importer.service(samples / importer.sample, sample_registry_and_round)
    return sample_registry_and_round


@pytest.fixture
def sample_registry_and_round(round_2564, samples):
    from products.services.registry import registry_import_file

    registry_import_file(file=samples / "registry.xlsx", as_of=AS_OF, name="registry.xlsx")
    return round_2564


@pytest.mark.parametrize("case", list(EXPECTED))
@pytest.mark.parametrize("importer", list(IMPORTERS))
def test_a_broken_workbook_is_refused_clearly_or_read_correctly(
    importer, case, loaded, samples, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    imp = IMPORTERS[importer]
    path = tmp_path / f"{case}.xlsx"
    path.write_bytes(make_case(imp, case, samples))
    outcome, words = _expected(importer, case)
    before = data_fingerprint()

    # The management command first: a refusal is a CommandError, nothing else.
    if outcome == "refused":
        with pytest.raises(CommandError):
            imp.command(path, loaded)
        assert data_fingerprint() == before
        with pytest.raises(REFUSALS) as exc:
            imp.service(path, loaded)
        assert words in _message(exc.value), _message(exc.value)[:500]
        assert data_fingerprint() == before
        return

    # A registry import always records its snapshot, even when it changes nothing.
    def fingerprint():
        found = data_fingerprint()
        if importer == "registry":
            found.pop("snapshots")
        return found

    before = fingerprint()
    imp.command(path, loaded, dry_run=True)
    assert fingerprint() == before
    changed = imp.service(path, loaded)
    if outcome == "read":
        assert not changed, f"{case}: the {importer} read differs from the sample's"
        assert fingerprint() == before
    else:
        assert changed


def test_an_emoji_name_in_the_registry_is_kept_as_typed(
    sample_registry_and_round, samples, tmp_path
):
    from products.models import Entrepreneur

    path = tmp_path / "emoji.xlsx"
    path.write_bytes(make_case(IMPORTERS["registry"], "emoji-in-name", samples))
    IMPORTERS["registry"].service(path, sample_registry_and_round)
    assert Entrepreneur.objects.get(code="560700001").name == "นายศรีถ้อย ผลิตภัณฑ์ 1 🧵✨"


def test_a_survey_imported_by_the_command_without_a_user_shows_its_page(
    sample_registry_and_round, samples, client, officer, tmp_path, settings
):
    """The command records the upload with no user; the survey's pages must still show
    the list of uploads (they failed with an error on uploaded_by.username)."""
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path / "media"
    IMPORTERS["survey"].command(samples / "survey_5607.xlsx", sample_registry_and_round)
    client.force_login(officer)
    for name in ("surveys:detail", "surveys:upload"):
        response = client.get(reverse(name, args=["2564-2", "5607"]))
        assert response.status_code == 200
        assert "survey_5607.xlsx" in response.content.decode()
