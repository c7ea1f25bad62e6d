"""A round keeps its registry snapshot: a newer snapshot never moves its figures; an
administrator re-pins an open round after a preview; next year's round starts from this
one; a province missing from a snapshot file is reported and kept."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from districts.models import District, Subdistrict
from otop_portal.workflow import Status
from products import registry_workbook as rw
from products.models import Product, ProductStatus, RegistrySnapshot, Round, SnapshotProduct, Target
from products.selectors import repin_preview, targets_for_districts
from products.services.registry import registry_import, registry_import_file
from products.services.rounds import (
    MSG_REPIN_APPROVED,
    RoundSetupError,
    round_repin,
    round_setup_from,
)
from reports.models import Report, ReportLine
from reports.selectors import kpi_for_province, line_total_expression
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2021, 4, 1)
NEWER = dt.date(2022, 4, 1)


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def import_sample_registry(samples):
    with open(samples / "registry.xlsx", "rb") as fh:
        return registry_import_file(file=fh, as_of=AS_OF, name="registry.xlsx")


def import_sample_reports(samples, round_code: str = "2564-2") -> None:
    for code in ("5607", "5604"):
        run(
            "import_report",
            str(samples / f"report_{code}.xlsx"),
            "--round",
            round_code,
            "--district",
            code,
        )


def kpi_figures(code: str = "2564-2") -> dict:
    round = Round.objects.select_related("snapshot").get(
        fiscal_year_id=int(code[:4]), number=int(code[-1])
    )
    kpi = kpi_for_province(round=round, province=District.objects.get(code="5607").province)
    return {
        r.code: (r.products, r.entrepreneurs, r.target, r.sold_online, r.sales_round)
        for r in kpi.rows
        if r.code in ("5604", "5607")
    }


def line_products(code: str = "2564-2") -> set[int]:
    return set(
        ReportLine.objects.filter(
            report__round__fiscal_year_id=int(code[:4]), report__round__number=int(code[-1])
        ).values_list("product_id", flat=True)
    )


def newer_rows(samples, *, cancel: int = 10, drop: int = 3):
    """The sample registry a year later: in 5607, `cancel` base products cancelled and
    `drop` others gone from the registry. The products cancelled are ones that sold in
    the sample report, so that the KPI would move if it counted on the newer snapshot."""
    sold = set(
        ReportLine.objects.filter(report__district_id="5607")
        .alias(total=line_total_expression())
        .filter(total__gt=0)
        .values_list("product__entrepreneur__code", "product__name")
    )
    rows = rw.registry_read(samples / "registry.xlsx").rows
    base = [
        r
        for r in rows
        if r.district_code == "5607" and r.status == "active" and 2557 <= r.registered_year <= 2563
    ]
    base.sort(key=lambda r: r.product_key not in sold)  # those that sold first
    cancelled = {id(r) for r in base[:cancel]}
    dropped = {id(r) for r in base[cancel : cancel + drop]}
    out = []
    for r in rows:
        if id(r) in dropped:
            continue
        if id(r) in cancelled:
            r = dataclasses.replace(r, status=ProductStatus.CANCELLED)
        out.append(r)
    return out


@pytest.fixture
def reported_2564(samples):
    """The sample registry, round 2564-2 set up on it and the two sample reports."""
    import_sample_registry(samples)
    run("setup_round", "2564-2")
    import_sample_reports(samples)
    return Round.objects.get(fiscal_year_id=2564, number=2)


def test_every_import_keeps_what_its_snapshot_held(samples):
    first = import_sample_registry(samples).snapshot
    assert SnapshotProduct.objects.filter(snapshot=first).count() == 210
    rows = rw.registry_read(samples / "registry.xlsx").rows
    r = next(r for r in rows if r.status == ProductStatus.ACTIVE)
    product = Product.objects.get(entrepreneur__code=r.entrepreneur_code, name=r.product_name)
    gone = next(x for x in rows if x.product_key != r.product_key)
    gone_product = Product.objects.get(
        entrepreneur__code=gone.entrepreneur_code, name=gone.product_name
    )
    changed = dataclasses.replace(r, status=ProductStatus.CANCELLED, registered_year=2564)
    newer = [changed if x is r else x for x in rows if x is not gone]
    second = registry_import(rows=newer, as_of=NEWER).snapshot

    def held(snapshot):
        return {
            p: (status, year)
            for p, status, year in SnapshotProduct.objects.filter(snapshot=snapshot).values_list(
                "product_id", "status", "registered_year"
            )
        }

    first_held, second_held = held(first), held(second)
    assert len(first_held) == 210 and len(second_held) == 209
    assert first_held[product.pk] == (ProductStatus.ACTIVE, r.registered_year)
    assert second_held[product.pk] == (ProductStatus.CANCELLED, 2564)
    assert gone_product.pk in first_held and gone_product.pk not in second_held


def test_a_newer_snapshot_leaves_an_earlier_rounds_base_targets_lines_and_kpi(
    samples, reported_2564
):
    before = kpi_figures()
    lines_before = line_products()
    expected = json.loads((samples / "expected.json").read_text())
    assert before["5607"][:2] == (93, 65)
    assert before["5607"][3] == expected["report"]["5607"]["sold_online"]

    registry_import(rows=newer_rows(samples), as_of=NEWER, source_name="2565")
    run("setup_round", "2565-2", "--from", "2564-2")

    assert kpi_figures() == before
    assert line_products() == lines_before
    # The KPI's base and the forms' rows: the report page lists the same products.
    reported_2564.refresh_from_db()
    assert reported_2564.snapshot.as_of == AS_OF
    # The new round counts on the newer snapshot: 10 cancelled and 3 gone.
    after = kpi_figures("2565-2")
    assert after["5607"][0] == 93 - 13
    assert after["5604"][0] == 94


def test_a_repin_preview_lists_what_changes_per_district(samples, reported_2564):
    newer = registry_import(rows=newer_rows(samples), as_of=NEWER).snapshot
    preview = repin_preview(round=reported_2564, snapshot=newer)
    assert [d.code for d in preview.districts] == ["5607"]
    d = preview.districts[0]
    assert (d.products_before, d.products_after) == (93, 80)
    assert (d.target_before, d.target_after) == (11, 9)  # ceil(11% x 93), ceil(11% x 80)
    assert len(d.leaving) == 13 and d.joining == []

    out = run("setup_round", "2564-2", "--repin", "--dry-run")
    assert "5607" in out and "93 -> 80" in out and "11 -> 9" in out
    assert "--dry-run" in out
    reported_2564.refresh_from_db()
    assert reported_2564.snapshot.as_of == AS_OF


def test_a_repin_moves_an_open_rounds_figures_and_the_history_says_so(
    samples, reported_2564, admin
):
    newer = registry_import(rows=newer_rows(samples), as_of=NEWER).snapshot
    result = round_repin(round=reported_2564, snapshot=newer, by=admin)
    assert result.approved == []
    assert kpi_figures()["5607"][0] == 80
    record = reported_2564.history.first()
    assert record.snapshot_id == newer.pk
    assert record.history_user == admin
    assert "re-pinned" in record.history_change_reason


def test_a_round_with_an_approved_form_refuses_a_repin_unless_forced(samples, reported_2564):
    Report.objects.filter(round=reported_2564, district_id="5607").update(status=Status.APPROVED)
    newer = registry_import(rows=newer_rows(samples), as_of=NEWER).snapshot
    old = reported_2564.snapshot_id

    with pytest.raises(RoundSetupError) as refused:
        round_repin(round=reported_2564, snapshot=newer)
    assert str(refused.value).startswith(str(MSG_REPIN_APPROVED).split("%")[0])
    assert "แม่ใจ" in str(refused.value)
    with pytest.raises(CommandError):
        run("setup_round", "2564-2", "--repin")
    with pytest.raises(CommandError):
        run("setup_round", "2564-2", "--snapshot", str(newer.pk))
    reported_2564.refresh_from_db()
    assert reported_2564.snapshot_id == old

    out = run("setup_round", "2564-2", "--repin", "--force")
    assert "แม่ใจ" in out
    reported_2564.refresh_from_db()
    assert reported_2564.snapshot_id == newer.pk
    reason = reported_2564.history.first().history_change_reason
    assert "forced" in reason and "แม่ใจ" in reason


def test_next_years_round_starts_from_this_one(samples, reported_2564, official_targets):
    registry_import(rows=newer_rows(samples), as_of=NEWER, source_name="2565")
    newest = RegistrySnapshot.objects.order_by("-as_of").first()
    out = run("setup_round", "2565-2", "--from", "2564-2")
    assert "2565-2" in out
    new = Round.objects.get(fiscal_year_id=2565, number=2)
    assert (new.starts_on, new.ends_on) == (dt.date(2022, 4, 1), dt.date(2022, 9, 30))
    assert (new.survey_deadline, new.report_deadline) == (
        dt.date(2022, 5, 25),
        dt.date(2022, 9, 20),
    )
    assert (new.target_rate, new.growth_rate) == (
        reported_2564.target_rate,
        reported_2564.growth_rate,
    )
    assert (new.window_start, new.window_end) == (2557, 2563)
    assert new.snapshot == newest
    assert not Target.objects.filter(round=new).exists()  # only if asked
    figures = {
        t.code: t.products
        for t in targets_for_districts(
            round=new, districts=District.objects.filter(province_id="56")
        )
    }
    assert figures["5607"] == 80 and figures["5604"] == 94

    with pytest.raises(CommandError):  # it exists now
        run("setup_round", "2565-2", "--from", "2564-2")


def test_official_targets_are_copied_only_if_asked(samples, reported_2564, official_targets):
    result = round_setup_from(code="2565-2", source="2564-2", copy_official_targets=True)
    copied = dict(Target.objects.filter(round=result.round).values_list("district_id", "official"))
    assert copied == official_targets
    assert "2564-2" in Target.objects.get(round=result.round, district_id="5607").reason


@pytest.fixture
def official_targets(samples):
    from products.services.targets import targets_import

    round = Round.objects.get(fiscal_year_id=2564, number=2)
    with open(samples / "targets_official.xlsx", "rb") as fh:
        targets_import(round=round, file=fh, name="targets_official.xlsx")
    return json.loads((samples / "expected.json").read_text())["targets_official"]


def _chiang_mai_row(template):
    sub = Subdistrict.objects.filter(district_id="5001").order_by("code").first()
    return dataclasses.replace(
        template,
        entrepreneur_code="500100099",
        product_code="",
        product_name="ผลิตภัณฑ์เชียงใหม่",
        subdistrict_code=sub.code,
        district_code="5001",
    )


def test_a_province_missing_from_a_file_is_reported_and_kept(samples):
    rows = rw.registry_read(samples / "registry.xlsx").rows
    registry_import(rows=[*rows, _chiang_mai_row(rows[0])], as_of=AS_OF)
    result = registry_import(rows=rows, as_of=NEWER)

    assert result.missing_provinces == {"50": "เชียงใหม่"}
    assert any("เชียงใหม่ (50)" in str(n) and "คงเดิม" in str(n) for n in result.notices)
    assert result.snapshot.summary["missing_provinces"] == {"50": "เชียงใหม่"}
    product = Product.objects.get(district_id="5001")
    assert product.registered is True
    assert SnapshotProduct.objects.filter(snapshot=result.snapshot, product=product).exists()


def test_the_command_removes_a_missing_province_only_when_told(samples, tmp_path):
    rows = rw.registry_read(samples / "registry.xlsx").rows
    registry_import(rows=[*rows, _chiang_mai_row(rows[0])], as_of=AS_OF)

    out = run("import_registry", str(samples / "registry.xlsx"), "--as-of", "2022-04-01")
    assert "เชียงใหม่ (50)" in out
    assert Product.objects.get(district_id="5001").registered is True

    out = run(
        "import_registry",
        str(samples / "registry.xlsx"),
        "--as-of",
        "2022-04-02",
        "--remove-missing-provinces",
    )
    assert "--remove-missing-provinces" in out
    assert Product.objects.get(district_id="5001").registered is False


def test_the_migration_backfills_snapshots_and_pins_unpinned_rounds(samples):
    import importlib

    from django.apps import apps
    from django.db import connection

    snapshot = import_sample_registry(samples).snapshot
    round = Round.objects.create(
        fiscal_year_id=Round._meta.get_field("fiscal_year")
        .related_model.objects.get_or_create(year=2564)[0]
        .pk,
        number=2,
        starts_on=dt.date(2021, 4, 1),
        ends_on=dt.date(2021, 9, 30),
        survey_deadline=dt.date(2021, 5, 25),
        report_deadline=dt.date(2021, 9, 20),
    )
    SnapshotProduct.objects.all().delete()
    migration = importlib.import_module("products.migrations.0004_snapshot_membership")
    # The function reads only the editor's connection.
    migration.backfill(apps, SimpleNamespace(connection=connection))
    assert SnapshotProduct.objects.filter(snapshot=snapshot).count() == 210
    round.refresh_from_db()
    assert round.snapshot == snapshot


# ---------------------------------------------------------------------------
# The admin's pages
# ---------------------------------------------------------------------------


def test_the_admin_previews_then_repins(client, admin, samples, reported_2564):
    newer = registry_import(rows=newer_rows(samples), as_of=NEWER).snapshot
    client.login(username=admin.username, password=PASSWORD)
    url = reverse("admin:products_round_repin", args=[reported_2564.pk])
    change = client.get(reverse("admin:products_round_change", args=[reported_2564.pk]))
    assert url in change.content.decode()
    assert reverse("admin:products_round_next_year", args=[reported_2564.pk]) in (
        change.content.decode()
    )
    page = client.get(url).content.decode()
    assert "5607" in page and "93" in page and "80" in page
    reported_2564.refresh_from_db()
    assert reported_2564.snapshot_id != newer.pk  # GET never writes

    response = client.post(url, {"snapshot": newer.pk})
    assert response.status_code == 302
    reported_2564.refresh_from_db()
    assert reported_2564.snapshot_id == newer.pk
    history = client.get(reverse("admin:products_round_history", args=[reported_2564.pk]))
    assert history.status_code == 200 and "re-pinned" in history.content.decode()


def test_the_admin_refuses_a_repin_over_an_approved_form_unless_forced(
    client, admin, samples, reported_2564
):
    Report.objects.filter(round=reported_2564, district_id="5607").update(status=Status.APPROVED)
    newer = registry_import(rows=newer_rows(samples), as_of=NEWER).snapshot
    client.login(username=admin.username, password=PASSWORD)
    url = reverse("admin:products_round_repin", args=[reported_2564.pk])
    response = client.post(url, {"snapshot": newer.pk})
    assert response.status_code == 200
    assert "--force" in response.content.decode()
    reported_2564.refresh_from_db()
    assert reported_2564.snapshot_id != newer.pk
    client.post(url, {"snapshot": newer.pk, "force": "on"})
    reported_2564.refresh_from_db()
    assert reported_2564.snapshot_id == newer.pk


def test_the_admin_starts_next_years_round(client, admin, samples, reported_2564):
    client.login(username=admin.username, password=PASSWORD)
    url = reverse("admin:products_round_next_year", args=[reported_2564.pk])
    page = client.get(url).content.decode()
    assert "2565" in page and "2565-2" in page
    assert not Round.objects.filter(fiscal_year_id=2565).exists()  # GET never writes
    response = client.post(url, {})
    assert response.status_code == 302
    assert Round.objects.get(fiscal_year_id=2565, number=2).report_deadline == dt.date(2022, 9, 20)


@pytest.mark.parametrize("who", ["outsider", "province_staff"])
def test_it_checks_access(client, request, who, samples, reported_2564):
    user = request.getfixturevalue(who)
    newer = registry_import(rows=newer_rows(samples), as_of=NEWER).snapshot
    client.login(username=user.username, password=PASSWORD)
    for name, data in (
        ("admin:products_round_repin", {"snapshot": newer.pk, "force": "on"}),
        ("admin:products_round_next_year", {"copy_official_targets": "on"}),
    ):
        response = client.post(reverse(name, args=[reported_2564.pk]), data)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/login/" in response["Location"]
    reported_2564.refresh_from_db()
    assert reported_2564.snapshot_id != newer.pk
    assert not Round.objects.filter(fiscal_year_id=2565).exists()


def test_an_earlier_rounds_import_and_explanations_follow_its_snapshot(samples, reported_2564):
    from reports.selectors import Why, kpi_products

    before = kpi_figures()
    registry_import(rows=newer_rows(samples), as_of=NEWER)
    # The products the newer snapshot cancels still sold in 2564-2, as its snapshot held.
    out = run(
        "import_report",
        str(samples / "report_5607.xlsx"),
        "--round",
        "2564-2",
        "--district",
        "5607",
    )
    assert "ยกเลิก" not in out
    assert kpi_figures() == before
    figures = kpi_products(
        round=reported_2564, district=District.objects.get(code="5607"), which="sold_online"
    )
    cancelled_now = set(
        Product.objects.filter(district_id="5607", status=ProductStatus.CANCELLED).values_list(
            "id", flat=True
        )
    )
    assert cancelled_now
    assert {f.why for f in figures if f.product_id in cancelled_now} == {Why.SOLD}


def test_the_issues_story_on_the_demo():
    """A 2565 snapshot cancels 20 of 5601's 528 products: 2564-2 still shows 528 and
    what it showed before, and a round set up after it counts 508."""
    from products.demo.phayao import demo_registry_rows
    from products.selectors import round_get
    from reports.selectors import kpi_for_districts

    run("load_demo")
    round = round_get("2564-2")

    def row_5601(round):
        (row,) = kpi_for_districts(round=round, districts=District.objects.filter(code="5601")).rows
        return (row.products, row.target, row.sold_online, row.sales_round, row.sales_baseline)

    # 5601 reports 115 products sold online in 2564-2.
    from reports.services import district_totals_refresh, report_get_or_start

    report = report_get_or_start(round=round, district=District.objects.get(code="5601"))
    sold_ids = list(report.lines.order_by("product__code").values_list("id", flat=True)[:115])
    ReportLine.objects.filter(id__in=sold_ids).update(month_1=1000)
    # The update bypasses the services, so the district's totals are recomputed as
    # they would be (issue #19).
    district_totals_refresh(round=round, districts=District.objects.filter(code="5601"))
    before = row_5601(round)
    assert before[:3] == (528, 60, 115)
    sold = set(
        ReportLine.objects.filter(report__round=round, report__district_id="5601")
        .alias(total=line_total_expression())
        .filter(total__gt=0)
        .values_list("product__code", flat=True)
    )
    rows = demo_registry_rows()
    base_5601 = [
        r
        for r in rows
        if r.district_code == "5601" and r.status == "active" and 2557 <= r.registered_year <= 2563
    ]
    base_5601.sort(key=lambda r: r.product_code not in sold)  # sold ones first
    cancelled = {id(r) for r in base_5601[:20]}
    registry_import(
        rows=[
            dataclasses.replace(r, status=ProductStatus.CANCELLED) if id(r) in cancelled else r
            for r in rows
        ],
        as_of=NEWER,
        source_name="2565",
    )

    assert row_5601(round_get("2564-2")) == before
    run("setup_round", "2565-2", "--from", "2564-2")
    new = row_5601(round_get("2565-2"))
    assert new[0] == 508
    assert new[4] == 95 * 1000  # last year's totals carried, the cancelled ones left out


def moved_rows(samples):
    """The sample registry a year later, with the base products of one entrepreneur of
    5607 whose product sold in the sample report moved to 5604 (the entrepreneur moved
    subdistrict); their entrepreneur's code and how many they are."""
    rows = rw.registry_read(samples / "registry.xlsx").rows
    base = [
        r
        for r in rows
        if r.district_code == "5607" and r.status == "active" and 2557 <= r.registered_year <= 2563
    ]
    code = (
        ReportLine.objects.filter(report__district_id="5607")
        .alias(total=line_total_expression())
        .filter(total__gt=0)
        .order_by("product__entrepreneur__code")
        .values_list("product__entrepreneur__code", flat=True)
        .first()
    )
    sub = Subdistrict.objects.filter(district_id="5604").order_by("code").first()
    moved = [
        dataclasses.replace(r, subdistrict_code=sub.code, district_code="5604")
        if r.entrepreneur_code == code
        else r
        for r in rows
    ]
    count = sum(1 for r in base if r.entrepreneur_code == code)
    return moved, code, count


def test_a_product_that_moved_district_stays_where_an_earlier_round_counted_it(
    client, officer, outsider, samples, reported_2564
):
    from surveys.selectors import survey_readiness_for_districts

    before = kpi_figures()
    province = District.objects.get(code="5607").province
    districts = District.objects.filter(code__in=["5604", "5607"])
    targets_before = targets_for_districts(round=reported_2564, districts=districts)
    rows, code, count = moved_rows(samples)
    assert count > 0

    registry_import(rows=rows, as_of=NEWER, source_name="2565")
    assert Product.objects.filter(entrepreneur__code=code, district_id="5604").count() >= count
    run("setup_round", "2565-2", "--from", "2564-2")

    # The earlier round's base, targets, KPI and readiness per district are unchanged.
    assert kpi_figures() == before
    assert targets_for_districts(round=reported_2564, districts=districts) == targets_before
    readiness = {
        r.code: r.products
        for r in survey_readiness_for_districts(round=reported_2564, districts=districts)
    }
    assert readiness == {"5604": before["5604"][0], "5607": before["5607"][0]}
    # Its forms' rows: 5607's report still lists the entrepreneur's lines.
    report = Report.objects.get(round=reported_2564, district_id="5607")
    from reports.selectors import report_lines

    listed = {line.product.entrepreneur.code for line in report_lines(report=report)}
    assert code in listed
    # Its report imports again as before: the moved entrepreneur's rows still match.
    ReportLine.objects.filter(report=report, product__entrepreneur__code=code).delete()
    run(
        "import_report",
        str(samples / "report_5607.xlsx"),
        "--round",
        "2564-2",
        "--district",
        "5607",
    )
    assert kpi_figures() == before
    assert ReportLine.objects.filter(report=report, product__entrepreneur__code=code).exists()
    # The newer round follows the move.
    after = kpi_figures("2565-2")
    assert after["5607"][0] == before["5607"][0] - count
    assert after["5604"][0] == before["5604"][0] + count

    # The survey's entrepreneur page: 5607's in 2564-2, 5604's in 2565-2.
    def page(user, round_code, district):
        client.force_login(user)
        url = reverse("surveys:entrepreneur", args=[round_code, district, code])
        return client.get(url).status_code

    assert page(officer, "2564-2", "5607") == 200
    assert page(officer, "2565-2", "5607") == 404
    assert page(outsider, "2564-2", "5604") == 404
    assert page(outsider, "2565-2", "5604") == 200
    # 2564-2's follow-up of the moved product is 5607's.
    from plans.models import FollowUp, Step

    product = Product.objects.filter(entrepreneur__code=code).first()
    client.force_login(officer)
    prefix = f"p{product.pk}"
    response = client.post(
        reverse("plans:followup", args=["2564-2", "5607", product.pk]),
        {f"{prefix}-step": Step.CONTACTED, f"{prefix}-on": "2021-05-01", f"{prefix}-note": ""},
    )
    assert response.status_code == 302
    assert FollowUp.objects.get(product=product).district_id == "5607"
    client.force_login(outsider)
    response = client.post(
        reverse("plans:followup", args=["2564-2", "5604", product.pk]),
        {f"{prefix}-step": Step.HELPED, f"{prefix}-on": "2021-05-02", f"{prefix}-note": ""},
    )
    assert response.status_code == 404
    assert FollowUp.objects.get(product=product).step == Step.CONTACTED
    assert province.code == "56"


@pytest.fixture
def chiang_mai_registered(samples):
    """The sample registry plus one product of Chiang Mai (50), which the sample file
    itself does not list."""
    rows = rw.registry_read(samples / "registry.xlsx").rows
    registry_import(rows=[*rows, _chiang_mai_row(rows[0])], as_of=AS_OF)
    return Product.objects.get(district_id="5001")


def _registry_upload(samples):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("registry.xlsx", (samples / "registry.xlsx").read_bytes())


def test_the_admins_upload_keeps_a_missing_province_unless_asked(
    client, admin, samples, chiang_mai_registered
):
    client.force_login(admin)
    url = reverse("admin:products_registrysnapshot_import")
    assert 'name="remove_missing_provinces"' in client.get(url).content.decode()

    response = client.post(url, {"file": _registry_upload(samples), "as_of": "2022-04-01"})
    assert "เชียงใหม่ (50)" in response.content.decode()
    assert "คงเดิม" in response.content.decode()
    chiang_mai_registered.refresh_from_db()
    assert chiang_mai_registered.registered is True

    response = client.post(
        url,
        {
            "file": _registry_upload(samples),
            "as_of": "2022-04-02",
            "remove_missing_provinces": "on",
        },
    )
    assert "เชียงใหม่ (50)" in response.content.decode()
    chiang_mai_registered.refresh_from_db()
    assert chiang_mai_registered.registered is False
    assert RegistrySnapshot.objects.first().summary["missing_removed"] is True


def test_the_admins_big_upload_passes_the_choice_to_its_job(
    client, admin, samples, settings, chiang_mai_registered
):
    from jobs.models import Job

    settings.JOBS_INLINE_MAX_ROWS = 1  # the upload runs as a job
    client.force_login(admin)
    response = client.post(
        reverse("admin:products_registrysnapshot_import"),
        {
            "file": _registry_upload(samples),
            "as_of": "2022-04-02",
            "remove_missing_provinces": "on",
        },
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "jobs:detail", args=[job.pk]
    )
    assert job.params["remove_missing_provinces"] is True
    chiang_mai_registered.refresh_from_db()
    assert chiang_mai_registered.registered is False


def test_the_registry_job_keeps_a_missing_province_and_names_it_unless_asked(
    client, admin, samples, chiang_mai_registered
):
    from jobs.models import JobStatus
    from jobs.services import job_start

    job = job_start(
        kind="registry_import",
        by=admin,
        params={"as_of": "2022-04-01"},
        input_file=_registry_upload(samples),
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["missing_provinces"] == {"50": "เชียงใหม่"}
    assert job.result["missing_removed"] is False
    assert any("เชียงใหม่ (50)" in n and "คงเดิม" in n for n in job.result["notices"])
    chiang_mai_registered.refresh_from_db()
    assert chiang_mai_registered.registered is True
    client.force_login(admin)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "เชียงใหม่ (50)" in page

    job = job_start(
        kind="registry_import",
        by=admin,
        params={"as_of": "2022-04-02", "remove_missing_provinces": True},
        input_file=_registry_upload(samples),
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["missing_removed"] is True
    chiang_mai_registered.refresh_from_db()
    assert chiang_mai_registered.registered is False


def test_the_registry_job_refuses_a_choice_that_is_not_true_or_false(
    admin, samples, chiang_mai_registered
):
    from jobs.registry import JobRefused
    from jobs.services import job_start

    with pytest.raises(JobRefused, match="remove_missing_provinces"):
        job_start(
            kind="registry_import",
            by=admin,
            params={"as_of": "2022-04-01", "remove_missing_provinces": "yes"},
            input_file=_registry_upload(samples),
        )
    assert Product.objects.get(district_id="5001").registered is True


def test_after_a_repin_the_forms_show_and_count_the_products_that_join_not_those_that_leave(
    client, officer, samples, reported_2564, admin
):
    from reports.selectors import report_lines
    from surveys.selectors import survey_readiness_for_districts

    rows = newer_rows(samples, cancel=2, drop=0)
    cancelled = [r for r in rows if r.status == ProductStatus.CANCELLED]
    template = next(r for r in rows if r.district_code == "5607" and r.status == "active")
    joining = dataclasses.replace(
        template,
        entrepreneur_code="560799991",
        entrepreneur_name="วิสาหกิจชุมชนที่เพิ่งเข้าฐาน",
        product_code="",
        product_name="ผลิตภัณฑ์ที่เพิ่งเข้าฐาน",
        registered_year=2560,
    )
    newer = registry_import(rows=[*rows, joining], as_of=NEWER).snapshot
    before = kpi_figures()["5607"]
    preview = repin_preview(round=reported_2564, snapshot=newer)
    (d,) = preview.districts
    assert d.joining == [("560799991", "ผลิตภัณฑ์ที่เพิ่งเข้าฐาน")] and len(d.leaving) == 2

    round_repin(round=reported_2564, snapshot=newer, by=admin)
    reported_2564.refresh_from_db()

    # Counted: the base, the readiness and the KPI of 5607 lose two and gain one.
    after = kpi_figures()["5607"]
    assert after[0] == before[0] - 2 + 1
    assert after[3] == before[3] - 2  # the two that leave had sold online (newer_rows)
    readiness = survey_readiness_for_districts(
        round=reported_2564, districts=District.objects.filter(code="5607")
    )
    assert readiness[0].products == before[0] - 1
    # Shown: the report lists the joining product as a draft line and not the leaving
    # ones; the survey lists its entrepreneur. Opening the pages writes nothing.
    gone = {(r.entrepreneur_code, r.product_name) for r in cancelled}
    report = Report.objects.get(round=reported_2564, district_id="5607")
    listed = {(x.product.entrepreneur.code, x.product.name) for x in report_lines(report=report)}
    assert not listed & gone
    lines_before = ReportLine.objects.count()
    client.force_login(officer)
    page = client.get(reverse("reports:detail", args=[reported_2564.code, "5607"]))
    assert page.status_code == 200
    assert "ผลิตภัณฑ์ที่เพิ่งเข้าฐาน" in page.content.decode()
    # The survey's list is paged (50 entrepreneurs a page): the officer finds the newcomer
    # by its code.
    survey = client.get(
        reverse("surveys:detail", args=[reported_2564.code, "5607"]), {"q": "560799991"}
    )
    assert survey.status_code == 200
    assert "560799991" in survey.content.decode()
    assert ReportLine.objects.count() == lines_before
    # Saving the draft line makes it a line of the report, counted like the others.
    product = Product.objects.get(entrepreneur__code="560799991")
    prefix = f"p{product.pk}-"
    response = client.post(
        reverse("reports:line_start", args=[reported_2564.code, "5607", product.pk]),
        {f"{prefix}version": 0, f"{prefix}month_1": "500", f"{prefix}facebook": "on"},
    )
    assert response.status_code == 302
    assert ReportLine.objects.filter(report=report, product=product).exists()
    assert product.pk in {x.product_id for x in report_lines(report=report)}
    assert kpi_figures()["5607"][4] == after[4] + 500
