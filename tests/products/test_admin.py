"""The admin: the registry upload page, every model's list, filters and the
django-import-export resources."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from districts.models import User
from otop_portal.spreadsheet import MSG_NOT_A_SPREADSHEET
from products.admin import EntrepreneurResource, ProductResource, TargetResource
from products.models import Entrepreneur, Product, RegistrySnapshot, Target
from tests.conftest import PASSWORD, make_entrepreneur, make_product

IMPORT_URL = "admin:products_registrysnapshot_import"


def upload(samples, name="registry.xlsx", data=None):
    data = data if data is not None else (samples / "registry.xlsx").read_bytes()
    return SimpleUploadedFile(name, data)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.mark.django_db
def test_the_snapshot_list_has_an_import_button(admin_client):
    response = admin_client.get(reverse("admin:products_registrysnapshot_changelist"))
    assert response.status_code == 200
    assert reverse(IMPORT_URL) in response.content.decode()
    assert "นำเข้าทะเบียน" in response.content.decode()


@pytest.mark.django_db
def test_the_upload_page_shows_a_form(admin_client):
    response = admin_client.get(reverse(IMPORT_URL))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file"' in html and 'name="as_of"' in html and 'name="dry_run"' in html
    assert '<label for="id_file"' in html


@pytest.mark.django_db
def test_it_requires_post(admin_client):
    admin_client.get(reverse(IMPORT_URL), {"as_of": "2021-04-01"})
    assert not RegistrySnapshot.objects.exists()


@pytest.mark.django_db
def test_a_dry_run_upload_shows_the_summary_and_writes_nothing(admin_client, samples):
    response = admin_client.post(
        reverse(IMPORT_URL), {"file": upload(samples), "as_of": "2021-04-01", "dry_run": "on"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "ผลการทดลอง" in html and "แม่ใจ" in html and "เชียงม่วน" in html
    assert not RegistrySnapshot.objects.exists() and not Product.objects.exists()


@pytest.mark.django_db
def test_an_upload_imports_the_registry(admin_client, admin, samples):
    response = admin_client.post(
        reverse(IMPORT_URL), {"file": upload(samples), "as_of": "2021-04-01"}
    )
    assert response.status_code == 200
    snapshot = RegistrySnapshot.objects.get()
    assert (snapshot.as_of, snapshot.imported_by, snapshot.source_name) == (
        dt.date(2021, 4, 1),
        admin,
        "registry.xlsx",
    )
    assert Product.objects.count() == 210
    detail = admin_client.get(reverse("admin:products_registrysnapshot_change", args=[snapshot.pk]))
    assert detail.status_code == 200 and "แม่ใจ" in detail.content.decode()


@pytest.mark.django_db
def test_a_bad_upload_shows_every_problem_and_writes_nothing(admin_client, samples):
    response = admin_client.post(
        reverse(IMPORT_URL),
        {"file": upload(samples, data=bytes(range(256)) * 8), "as_of": "2021-04-01"},
    )
    assert response.status_code == 200
    assert str(MSG_NOT_A_SPREADSHEET) in response.content.decode()
    assert not RegistrySnapshot.objects.exists()


@pytest.mark.django_db
def test_an_upload_over_the_size_limit_is_refused(admin_client, samples, settings):
    settings.REGISTRY_UPLOAD_MAX_BYTES = 1024
    response = admin_client.post(
        reverse(IMPORT_URL), {"file": upload(samples), "as_of": "2021-04-01"}
    )
    assert response.status_code == 200
    assert "ไฟล์ใหญ่เกิน" in response.content.decode()
    assert not RegistrySnapshot.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "outsider", "province_staff"])
def test_it_checks_access(client, request, who, samples):
    client.force_login(request.getfixturevalue(who))
    for response in (
        client.get(reverse(IMPORT_URL)),
        client.post(reverse(IMPORT_URL), {"file": upload(samples), "as_of": "2021-04-01"}),
    ):
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
    assert not RegistrySnapshot.objects.exists()


@pytest.mark.django_db
def test_staff_without_permission_to_add_snapshots_get_403(client, samples):
    staff = User.objects.create_user("staff", password=PASSWORD, role="admin", is_staff=True)
    client.force_login(staff)
    response = client.post(reverse(IMPORT_URL), {"file": upload(samples), "as_of": "2021-04-01"})
    assert response.status_code == 403
    assert not RegistrySnapshot.objects.exists()


ADMIN_LISTS = [
    "districts_province",
    "districts_district",
    "districts_subdistrict",
    "districts_user",
    "products_registrysnapshot",
    "products_entrepreneur",
    "products_product",
    "products_fiscalyear",
    "products_round",
    "products_target",
]
# The lists of rows that belong to an area, filtered by province (and district).
BY_AREA = {
    "districts_district",
    "districts_subdistrict",
    "districts_user",
    "products_entrepreneur",
    "products_product",
    "products_target",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN_LISTS)
def test_every_model_has_an_admin_list_with_search(admin_client, round_2564, name):
    make_product()
    url = reverse(f"admin:{name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "56"}).status_code == 200
    if name in BY_AREA:
        assert admin_client.get(url, {"province": "56"}).status_code == 200


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "products_product",
        "products_entrepreneur",
        "products_target",
        "districts_user",
        "products_round",
    ],
)
def test_admin_lists_make_a_fixed_number_of_queries(admin_client, round_2564, name, officer):
    from tests.conftest import make_round

    url = reverse(f"admin:{name}_changelist")
    make_product()
    Target.objects.create(round=round_2564, district_id="5607", official=3)
    few = queries_for(admin_client, url)
    for code in ["5601", "5602", "5603", "5604"]:
        make_product(make_entrepreneur(code))
        Target.objects.create(round=round_2564, district_id=code, official=3)
    make_round("2563-2")
    User.objects.create_user("another", role="officer", district_id="5601", province_id="56")
    assert queries_for(admin_client, url) == few


@pytest.mark.django_db
def test_the_district_filter_lists_the_chosen_provinces_districts(admin_client):
    in_5607 = make_product(make_entrepreneur("5607"))
    in_5001 = make_product(make_entrepreneur("5001"))
    url = reverse("admin:products_product_changelist")
    html = admin_client.get(url, {"province": "56"}).content.decode()
    assert "แม่ใจ" in html and in_5607.name in html and in_5001.name not in html
    html = admin_client.get(url, {"province": "56", "district": "5607"}).content.decode()
    assert in_5607.name in html
    assert "เมืองพะเยา" in html  # the district filter lists Phayao's districts


@pytest.mark.django_db
def test_entrepreneurs_export_and_import_back_by_code():
    one = make_entrepreneur("5607")
    make_entrepreneur("5604")
    dataset = EntrepreneurResource().export()
    assert dataset.headers[:2] == ["code", "name"]
    rows = [list(r) for r in dataset]
    rows.sort(key=lambda r: r[0] != one.code)  # the row to fix first
    rows[0][1] = "กลุ่มแม่บ้านบ้านป่าแฝก (แก้ชื่อ)"
    fixed = tablib.Dataset(*rows, headers=dataset.headers)
    preview = EntrepreneurResource().import_data(fixed, dry_run=True)
    assert not preview.has_errors()
    assert [r.import_type for r in preview.rows] == ["update", "skip"]
    assert Entrepreneur.objects.get(pk=one.pk).name != "กลุ่มแม่บ้านบ้านป่าแฝก (แก้ชื่อ)"
    EntrepreneurResource().import_data(fixed, dry_run=False)
    assert Entrepreneur.objects.get(pk=one.pk).name == "กลุ่มแม่บ้านบ้านป่าแฝก (แก้ชื่อ)"
    assert Entrepreneur.objects.count() == 2


@pytest.mark.django_db
def test_products_import_by_code_and_follow_their_entrepreneurs_district():
    product = make_product(make_entrepreneur("5607"))
    other = make_entrepreneur("5604")
    dataset = ProductResource().export()
    assert dataset.dict[0]["entrepreneur"] == product.entrepreneur.code
    row = dataset.dict[0]
    row.update(entrepreneur=other.code, registered_year=2563)
    result = ProductResource().import_data(
        tablib.Dataset(list(row.values()), headers=list(row)), dry_run=False
    )
    assert not result.has_errors()
    product.refresh_from_db()
    assert (product.entrepreneur, product.district_id, product.registered_year) == (
        other,
        "5604",
        2563,
    )


@pytest.mark.django_db
def test_targets_import_by_round_and_district_code(round_2564, admin):
    dataset = tablib.Dataset(
        ["2564-2", "5607", 11, "หนังสือจังหวัด"], headers=["round", "district", "official", "reason"]
    )
    result = TargetResource().import_data(dataset, dry_run=False, user=admin)
    assert not result.has_errors()
    target = Target.objects.get()
    assert (target.round, target.district_id, target.official, target.set_by) == (
        round_2564,
        "5607",
        11,
        admin,
    )
    assert TargetResource().export().dict[0]["round"] == "2564-2"
    dataset = tablib.Dataset(["2564-2", "5607", 12, "แก้"], headers=dataset.headers)
    TargetResource().import_data(dataset, dry_run=False, user=admin)
    assert list(Target.objects.values_list("official", flat=True)) == [12]
    bad = tablib.Dataset(["2599-9", "5607", 1, ""], headers=dataset.headers)
    result = TargetResource().import_data(bad, dry_run=True)
    assert result.has_errors() or result.has_validation_errors()


@pytest.mark.django_db
def test_the_import_export_pages_open(admin_client):
    for name in ["products_entrepreneur", "products_product", "products_target"]:
        assert admin_client.get(reverse(f"admin:{name}_import")).status_code == 200
        assert admin_client.get(reverse(f"admin:{name}_export")).status_code == 200


def test_a_big_upload_runs_as_a_job_with_a_progress_page(
    admin_client, admin, samples, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.JOBS_INLINE_MAX_ROWS = 10  # the sample's 20 KB count as a big file here
    response = admin_client.post(
        reverse(IMPORT_URL), {"file": upload(samples), "as_of": "2021-04-01"}
    )
    from jobs.models import Job

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    # The test settings run tasks immediately, so the import is already done.
    assert job.status == "succeeded"
    assert Product.objects.count() == 210
    page = admin_client.get(response["Location"]).content.decode()
    assert "<progress" in page or "เสร็จแล้ว" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("resource", "column", "limit"),
    [
        (EntrepreneurResource, "name", 255),
        (EntrepreneurResource, "house_no", 30),
        (EntrepreneurResource, "moo", 10),
        (EntrepreneurResource, "phone", 100),
        (ProductResource, "name", 255),
    ],
)
def test_an_import_row_longer_than_its_field_is_refused_and_changes_nothing(
    resource, column, limit
):
    """django-import-export does not clean the instances it imports: a long value reached
    the database, which PostgreSQL refused in the middle of the import (and SQLite kept).
    The row is now invalid, with the field's limit, before anything is saved."""
    product = make_product(make_entrepreneur("5607"))
    dataset = resource().export()
    row = dataset.dict[0]
    row[column] = "ก" * (limit + 1)
    before = [
        list(Entrepreneur.objects.values().order_by("pk")),
        list(Product.objects.values().order_by("pk")),
    ]
    for dry_run in (True, False):
        result = resource().import_data(
            tablib.Dataset(list(row.values()), headers=list(row)), dry_run=dry_run
        )
        assert not result.has_errors()
        [invalid] = result.invalid_rows
        assert invalid.error_dict == {column: [f"ยาวเกิน {limit} ตัวอักษร"]}
    assert [
        list(Entrepreneur.objects.values().order_by("pk")),
        list(Product.objects.values().order_by("pk")),
    ] == before
    assert product.name != "ก" * (limit + 1)


@pytest.mark.django_db
def test_a_long_value_in_the_admin_import_shows_the_row_and_its_limit(admin_client):
    """The admin's import page, as an administrator uses it: a CSV with a too-long name
    shows the row's error with its limit, not a server error."""
    entrepreneur = make_entrepreneur("5607")
    dataset = EntrepreneurResource().export()
    row = dataset.dict[0]
    row["name"] = "ก" * 256
    csv = tablib.Dataset(list(row.values()), headers=list(row)).export("csv")
    response = admin_client.post(
        reverse("admin:products_entrepreneur_import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("e.csv", csv.encode(), content_type="text/csv"),
        },
    )
    assert response.status_code == 200
    assert "ยาวเกิน 255 ตัวอักษร" in response.content.decode()
    entrepreneur.refresh_from_db()
    assert entrepreneur.name != "ก" * 256


def test_it_labels_two_snapshots_of_one_date_apart(admin):
    first = RegistrySnapshot.objects.create(as_of=dt.date(2021, 4, 1))
    second = RegistrySnapshot.objects.create(as_of=dt.date(2021, 4, 1))
    assert str(first) == f"ทะเบียน ณ 1 เมษายน 2564 ชุดที่ {first.pk}"
    assert str(first) != str(second)


def test_it_names_the_third_party_apps_in_thai(client, admin):
    client.force_login(admin)
    page = client.get(reverse("admin:index")).content.decode()
    assert "ความปลอดภัยการเข้าสู่ระบบ" in page and "ความพยายามเข้าสู่ระบบ" in page
    assert "คิวงาน" in page
    for english in ("Axes", "Tasks Database Backend", "Access attempts", "Task results"):
        assert english not in page


def test_it_counts_the_admins_selection_in_thai(client, admin):
    client.force_login(admin)
    catalog = client.get(reverse("admin:jsi18n")).content.decode()
    # The catalog is JSON inside the script: Thai letters written as \u escapes.
    assert json.dumps("เลือกแล้ว %(sel)s จาก %(cnt)s") in catalog


def test_it_shows_buddhist_era_dates_in_the_admin(client, admin):
    from tests.conftest import make_round

    RegistrySnapshot.objects.create(as_of=dt.date(2021, 4, 1))
    make_round(report_deadline=dt.date(2021, 4, 1))
    client.force_login(admin)
    for name in ("products_registrysnapshot", "products_round"):
        page = client.get(reverse(f"admin:{name}_changelist")).content.decode()
        start = page.index('id="result_list"')
        table = page[start : page.index("</table>", start)]
        assert "1 เม.ย. 2564" in table, name
        assert "2021" not in table, name


def test_it_heads_the_admins_columns_in_thai(client, admin):
    from tests.conftest import make_round

    make_round()
    client.force_login(admin)
    page = client.get(reverse("admin:products_round_changelist")).content.decode()
    start = page.index('id="result_list"')
    head = page[start : page.index("</thead>", start)]
    assert "ปีงบประมาณ" in head and "รหัส" in head
    assert "Code" not in head and "Fiscal year" not in head and "fiscal year" not in head
