"""The admin's django-import-export imports read an .xlsx or a CSV through the portal's
bounded reader (the memory-limited child), not with openpyxl or tablib in the server
process (issue #14).
The refusal of a file that a check missed, under a memory limit, is in
tests/security/test_hostile_workbooks.py."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats import base_formats

from products.admin import EntrepreneurResource, SafeCSV, SafeXLSX
from products.models import Entrepreneur
from tests.conftest import make_entrepreneur
from tests.security.test_uploads import _import_export_format


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def no_openpyxl_reads(monkeypatch):
    """openpyxl may write, never read, an upload in the server process."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl read an upload in the server process")

    monkeypatch.setattr("openpyxl.load_workbook", refuse)


def _xlsx(rows) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def test_it_reads_an_xlsx_as_django_import_export_did():
    data = _xlsx(
        [
            ["code", "name", "moo", "amount", None],
            ["560701", "กลุ่ม ก", 5, 12.5, None],
            [None, None, None, None, None],
            ["560702", None, 0, -3, "x"],
        ]
    )
    ours, theirs = SafeXLSX().create_dataset(data), base_formats.XLSX().create_dataset(data)
    assert ours.headers == theirs.headers
    assert [list(r) for r in ours] == [list(r) for r in theirs]
    assert list(ours[0]) == ["560701", "กลุ่ม ก", 5, 12.5, None]


def test_it_says_in_thai_that_a_csv_is_not_an_xlsx(admin_client, no_openpyxl_reads):
    response = admin_client.post(
        reverse("admin:products_entrepreneur_import"),
        {
            "resource": "0",
            "format": _import_export_format(Entrepreneur, "XLSX"),
            "import_file": SimpleUploadedFile("e.xlsx", b"code,name\n560701,x\n"),
        },
    )
    assert response.status_code == 200
    assert "ไฟล์นี้เป็นไฟล์ CSV แต่เลือกรูปแบบ Excel (.xlsx)" in response.content.decode()
    assert "encountered while trying to read file" not in response.content.decode()


@pytest.mark.django_db
def test_it_imports_an_exported_xlsx_back_without_openpyxl_reading_it(
    admin_client, no_openpyxl_reads
):
    one = make_entrepreneur("5607")
    dataset = EntrepreneurResource().export()
    dataset[0] = [
        "กลุ่มแม่บ้านบ้านป่าแฝก (แก้ชื่อ)" if h == "name" else v
        for h, v in zip(dataset.headers, dataset[0], strict=True)
    ]
    data = SafeXLSX().export_data(dataset)
    url = reverse("admin:products_entrepreneur_import")
    xlsx_format = _import_export_format(Entrepreneur, "XLSX")
    preview = admin_client.post(
        url,
        {
            "resource": "0",
            "format": xlsx_format,
            "import_file": SimpleUploadedFile("e.xlsx", data),
        },
    )
    assert preview.status_code == 200
    confirm = preview.context["confirm_form"]
    assert confirm is not None, preview.content.decode()[:2000]
    assert Entrepreneur.objects.get(pk=one.pk).name != "กลุ่มแม่บ้านบ้านป่าแฝก (แก้ชื่อ)"
    done = admin_client.post(
        reverse("admin:products_entrepreneur_process_import"),
        {**confirm.initial, "resource": "0"},
    )
    assert done.status_code == 302
    assert Entrepreneur.objects.get(pk=one.pk).name == "กลุ่มแม่บ้านบ้านป่าแฝก (แก้ชื่อ)"


@pytest.mark.parametrize(
    "text",
    [
        'code,name,moo\n560701,กลุ่ม ก,5\n\n560702,"ชื่อ, มีจุลภาค"\n',
        "code,name\r\n560701,ก\r\n",
        "code\n",
    ],
)
def test_it_reads_a_csv_as_tablib_did(text):
    ours = SafeCSV(encoding="utf-8-sig").create_dataset(text)
    theirs = base_formats.CSV(encoding="utf-8-sig").create_dataset(text)
    assert ours.headers == theirs.headers
    assert [list(r) for r in ours] == [list(r) for r in theirs]


def test_it_says_in_thai_that_a_workbook_is_not_a_csv(admin_client):
    response = admin_client.post(
        reverse("admin:products_entrepreneur_import"),
        {
            "resource": "0",
            "format": _import_export_format(Entrepreneur, "CSV"),
            "import_file": SimpleUploadedFile("e.csv", _xlsx([["code"], ["560701"]])),
        },
    )
    assert response.status_code == 200
    assert "ไฟล์นี้เป็นไฟล์ Excel (.xlsx) แต่เลือกรูปแบบ CSV" in response.content.decode()


@pytest.mark.django_db
def test_it_imports_a_csv_without_tablib_reading_it_in_the_server(admin_client, monkeypatch):
    one = make_entrepreneur("5607")
    dataset = EntrepreneurResource().export()
    dataset[0] = [
        "กลุ่มแก้ชื่อทาง CSV" if h == "name" else v
        for h, v in zip(dataset.headers, dataset[0], strict=True)
    ]
    data = SafeCSV().export_data(dataset).encode("utf-8")

    def refuse(*args, **kwargs):
        raise AssertionError("tablib read an upload in the server process")

    monkeypatch.setattr("tablib.import_set", refuse)
    preview = admin_client.post(
        reverse("admin:products_entrepreneur_import"),
        {
            "resource": "0",
            "format": _import_export_format(Entrepreneur, "CSV"),
            "import_file": SimpleUploadedFile("e.csv", data, content_type="text/csv"),
        },
    )
    confirm = preview.context["confirm_form"]
    assert confirm is not None, preview.content.decode()[:2000]
    admin_client.post(
        reverse("admin:products_entrepreneur_process_import"), {**confirm.initial, "resource": "0"}
    )
    assert Entrepreneur.objects.get(pk=one.pk).name == "กลุ่มแก้ชื่อทาง CSV"


def test_it_says_in_thai_that_a_csv_is_not_in_utf8(admin_client):
    response = admin_client.post(
        reverse("admin:products_entrepreneur_import"),
        {
            "resource": "0",
            "format": _import_export_format(Entrepreneur, "CSV"),
            "import_file": SimpleUploadedFile("e.csv", "code,name\n560701,กลุ่ม\n".encode("cp874")),
        },
    )
    assert response.status_code == 200
    assert "อ่านตัวอักษรในไฟล์ CSV ไม่ได้ กรุณาบันทึกเป็น UTF-8" in response.content.decode()
