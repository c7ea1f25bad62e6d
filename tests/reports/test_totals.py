"""The per-district totals the province and country pages read (issue #19): after every
kind of write they equal a recomputation from the KPI selectors, a page never writes
them, and a round without them is summed live."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from districts.models import District, Province
from otop_portal.importing import ImportRefused
from otop_portal.workflow import Status
from products.models import Entrepreneur, Round, SnapshotProduct
from products.services.registry import registry_import_file
from products.services.rounds import round_repin, round_setup, round_setup_from
from products.services.targets import target_set, targets_import
from reports.models import DistrictTotals, Report, ReportLine
from reports.selectors import (
    kpi_for_country,
    kpi_for_district,
    kpi_for_province,
    kpi_rows_live,
)
from reports.services import (
    _totals_values,
    district_totals_compute,
    report_approve,
    report_flag_notes_save,
    report_get_or_start,
    report_import,
    report_line_save,
    report_return,
    report_submit,
)
from surveys.models import EntrepreneurAnswer, Survey
from surveys.selectors import (
    _SurveyAnswers,
    survey_answer_counts,
    survey_base_rows,
    survey_entrepreneurs,
)
from surveys.services import (
    AnswerData,
    survey_answer_save,
    survey_get_or_start,
    survey_import,
)
from tests.conftest import PASSWORD, make_round
from tests.reports.conftest import data_row, report_file

pytestmark = pytest.mark.django_db

TODAY = dt.date(2021, 5, 20)


def assert_current(round: Round) -> None:
    """Every stored row equals a recomputation, and the pages' figures equal the live sums."""
    stored = {t.district_id: _totals_values(t) for t in DistrictTotals.objects.filter(round=round)}
    assert stored, "the round has no totals rows"
    fresh = {
        t.district_id: _totals_values(t)
        for t in district_totals_compute(
            round=round, districts=District.objects.filter(code__in=list(stored))
        )
    }
    differing = {code for code in stored if stored[code] != fresh[code]}
    assert not differing, {code: (stored[code], fresh[code]) for code in differing}
    phayao = Province.objects.get(code="56")
    live = kpi_rows_live(round=round, districts=District.objects.filter(province=phayao))
    assert kpi_for_province(round=round, province=phayao).rows == live
    # The district's page reads its row alone (kpi_for_district): the same figures.
    for district in District.objects.filter(province=phayao).order_by("code"):
        kpi, _totals = kpi_for_district(round=round, district=district)
        assert kpi.rows == [row for row in live if row.code == district.code]
    # The survey page shows the kept counts; for a district whose totals keep none it
    # counts the answers it reads in Python: both the same figures as the totals'
    # query (survey_answer_counts), whatever the write before.
    for survey in Survey.objects.filter(round=round).select_related("district"):
        page = survey_entrepreneurs(round=round, district=survey.district, survey=survey)
        code = survey.district_id
        assert page.counts == survey_answer_counts(round=round, codes=[code])[code]
        base = survey_base_rows(round, survey.district, stamp="")
        counted = _SurveyAnswers.read(survey).counts([(e, p) for e, p, _code in base])
        assert counted == survey_answer_counts(round=round, codes=[code])[code]


def import_registry(samples, as_of=dt.date(2021, 4, 1)):
    with open(samples / "registry.xlsx", "rb") as fh:
        return registry_import_file(file=fh, as_of=as_of, name="registry.xlsx")


def answer_one(survey, officer) -> None:
    """The officer saves the survey's first entrepreneur: trained, selling, 1,000 baht."""
    answer = EntrepreneurAnswer.objects.filter(survey=survey).first()
    survey_answer_save(
        survey=survey,
        entrepreneur=answer.entrepreneur,
        data=AnswerData(True, True, False, Decimal("1000"), set()),
        by=officer,
        version=answer.version,
        today=TODAY,
    )


def sold(round: Round, code: str) -> int:
    return DistrictTotals.objects.get(round=round, district_id=code).sold_online


def test_it_keeps_the_totals_current_after_every_kind_of_write(
    samples, tmp_path, officer, province_staff
):
    maechai = District.objects.get(code="5607")
    # A round set up before any registry counts the registry as it is: importing one
    # changes its figures.
    early = make_round("2563-2")
    import_registry(samples)
    assert_current(early)
    assert DistrictTotals.objects.get(round=early, district=maechai).products > 0

    # Round setup gives every district its row at once.
    round = round_setup(code="2564-2", snapshot="latest").round
    assert DistrictTotals.objects.filter(round=round).count() == District.objects.count()
    assert_current(round)

    # Official targets: one set, cleared, and a province's file.
    target_set(round=round, district=maechai, official=42, reason="ทดสอบ", by=province_staff)
    assert DistrictTotals.objects.get(round=round, district=maechai).target == 42
    assert_current(round)
    target_set(round=round, district=maechai, official=None, reason="คืนค่า", by=province_staff)
    assert_current(round)
    with open(samples / "targets_official.xlsx", "rb") as fh:
        targets_import(round=round, file=fh, name="targets_official.xlsx")
    assert_current(round)

    # The survey: started, an answer saved, a file imported.
    survey = survey_get_or_start(round=round, district=maechai, by=officer)
    assert DistrictTotals.objects.get(round=round, district=maechai).survey_status == "draft"
    answer_one(survey, officer)
    assert_current(round)
    with open(samples / "survey_5604.xlsx", "rb") as fh:
        survey_import(
            round=round,
            district=District.objects.get(code="5604"),
            file=fh,
            name="survey_5604.xlsx",
            today=TODAY,
        )
    assert_current(round)
    # A file over answers saved before: the import adds what it changes to the counts
    # (issue #19), so the answers it replaces must come off them. Mae Chai's file
    # answers the entrepreneur answered above again; then answers saved in the browser
    # differ from 5604's file, which is imported again and puts them back.
    with open(samples / "survey_5607.xlsx", "rb") as fh:
        survey_import(round=round, district=maechai, file=fh, name="5607.xlsx", today=TODAY)
    assert_current(round)
    survey_5604 = Survey.objects.get(round=round, district_id="5604")
    for answer in EntrepreneurAnswer.objects.filter(survey=survey_5604).order_by("id")[:3]:
        survey_answer_save(
            survey=survey_5604,
            entrepreneur=answer.entrepreneur,
            data=AnswerData(
                not answer.trained,
                not answer.selling_online,
                not answer.has_standard,
                (answer.sales_prev_year or Decimal("0")) + Decimal("5000"),
                set(),
            ),
            by=None,  # as the imports here: no user, no district rule
            version=answer.version,
            today=TODAY,
        )
    assert_current(round)
    with open(samples / "survey_5604.xlsx", "rb") as fh:
        result = survey_import(
            round=round,
            district=District.objects.get(code="5604"),
            file=fh,
            name="survey_5604.xlsx",
            today=TODAY,
        )
    assert result.entrepreneurs.changed == 3
    assert_current(round)

    # The report: started, a line saved, a note saved, a file imported.
    report = report_get_or_start(round=round, district=maechai, by=officer)
    assert_current(round)
    line = ReportLine.objects.filter(report=report).select_related("report").first()
    before = sold(round, "5607")
    report_line_save(
        line=line,
        values={"month_1": Decimal("1500"), "facebook": True},
        version=line.version,
        by=officer,
        today=TODAY,
    )
    assert sold(round, "5607") == before + 1
    assert_current(round)
    report_flag_notes_save(report=report, notes={line.pk: "ขายงานเทศกาล"}, by=officer, today=TODAY)
    assert_current(round)
    with open(samples / "report_5604.xlsx", "rb") as fh:
        report_import(
            round=round,
            district=District.objects.get(code="5604"),
            file=fh,
            name="report_5604.xlsx",
            today=TODAY,
        )
    assert sold(round, "5604") > 0
    assert_current(round)

    # Submit, return, submit again, approve.
    report = report_import_5607(samples, round)
    report_submit(report=report, by=officer, today=TODAY)
    assert DistrictTotals.objects.get(round=round, district=maechai).report_status == "submitted"
    assert_current(round)
    report_return(report=report, by=province_staff, reason="ตรวจยอดเดือนแรก")
    assert_current(round)
    report_submit(report=report, by=officer, today=TODAY)
    report_approve(report=report, by=province_staff)
    assert DistrictTotals.objects.get(round=round, district=maechai).report_status == "approved"
    assert_current(round)

    # Next year's round carries this year's totals as its baseline: a write to this
    # year's lines changes it too.
    later = round_setup_from(code="2565-2", source=round).round
    assert_current(later)
    assert DistrictTotals.objects.get(round=later, district=maechai).sales_baseline > 0
    report_return(report=report, by=province_staff, reason="แก้ยอด")
    line = ReportLine.objects.filter(report=report).select_related("report").first()
    report_line_save(
        line=line,
        values={"month_1": Decimal("999999"), "facebook": True},
        version=line.version,
        by=officer,
        today=TODAY,
    )
    assert_current(round)
    assert_current(later)

    # A re-pin to a newer snapshot.
    import_registry(samples, as_of=dt.date(2021, 5, 1))
    round_repin(round=later)
    assert_current(later)

    # And rebuild_totals finds nothing to repair.
    out = io.StringIO()
    call_command("rebuild_totals", "--round", "2565-2", "--dry-run", stdout=out)
    assert "ไม่มีแถว 0, ตัวเลขต่าง 0" in out.getvalue()


def report_import_5607(samples, round) -> Report:
    with open(samples / "report_5607.xlsx", "rb") as fh:
        report_import(
            round=round,
            district=District.objects.get(code="5607"),
            file=fh,
            name="report_5607.xlsx",
            today=TODAY,
        )
    return Report.objects.select_related("round", "district").get(round=round, district_id="5607")


def test_a_refused_import_leaves_the_totals_as_they_were(samples, tmp_path):
    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    before = {t.district_id: _totals_values(t) for t in DistrictTotals.objects.filter(round=round)}
    path = report_file(tmp_path / "r.xlsx", round, [data_row("9999", "ไม่มีในทะเบียน")])
    with pytest.raises(ImportRefused), open(path, "rb") as fh:
        report_import(
            round=round, district=District.objects.get(code="5607"), file=fh, name="r.xlsx"
        )
    after = {t.district_id: _totals_values(t) for t in DistrictTotals.objects.filter(round=round)}
    assert after == before


def test_a_round_without_totals_is_summed_live_and_a_page_does_not_write_them(
    client, samples, province_staff
):
    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    with open(samples / "report_5607.xlsx", "rb") as fh:
        report_import(
            round=round, district=District.objects.get(code="5607"), file=fh, name="r.xlsx"
        )
    expected = kpi_for_country(round=round).total
    with transaction.atomic():
        DistrictTotals.objects.all().delete()

    assert kpi_for_country(round=round).total == expected
    client.login(username=province_staff.username, password=PASSWORD)
    response = client.get(reverse("dashboards:province", args=[round.code, "56"]))
    assert response.status_code == 200
    assert not DistrictTotals.objects.exists()


def test_rebuild_totals_says_what_it_repairs_and_a_dry_run_writes_nothing(samples):
    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    DistrictTotals.objects.filter(round=round, district_id="5607").update(products=0)
    DistrictTotals.objects.filter(round=round, district_id="5604").delete()

    out = io.StringIO()
    call_command("rebuild_totals", "--round", "2564-2", "--dry-run", stdout=out)
    assert "ไม่มีแถว 1, ตัวเลขต่าง 1" in out.getvalue()
    assert DistrictTotals.objects.get(round=round, district_id="5607").products == 0

    call_command("rebuild_totals", stdout=io.StringIO())
    assert_current(round)
    assert Status.NOT_STARTED.value == (
        DistrictTotals.objects.get(round=round, district_id="5604").report_status
    )


def test_changing_the_thresholds_in_the_admin_recomputes_the_flagged_lines(client, samples, admin):
    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    with open(samples / "report_5607.xlsx", "rb") as fh:
        report_import(
            round=round, district=District.objects.get(code="5607"), file=fh, name="r.xlsx"
        )
    before = DistrictTotals.objects.get(round=round, district_id="5607").flagged_lines
    client.force_login(admin)
    response = client.post(
        reverse("admin:reports_plausibilitythresholds_add"),
        {
            "round": round.pk,
            "spike_ratio": "1.01",
            "spike_min_amount": "1",
            "baseline_ratio": "1.01",
            "baseline_min_total": "1",
            "copy_min_months": "1",
            "copy_min_entrepreneurs": "2",
        },
    )
    assert response.status_code == 302
    after = DistrictTotals.objects.get(round=round, district_id="5607").flagged_lines
    assert after > before
    assert_current(round)


def flagged_5607(samples, round, officer) -> list[dict]:
    """District 5607's report from its sample, with one line whose July is a thousand
    times its other months (a month_spike flag); the flags its totals keep."""
    report = report_import_5607(samples, round)
    line = ReportLine.objects.filter(report=report).select_related("report").first()
    report_line_save(
        line=line,
        values={
            **{f"month_{i}": Decimal("4500") for i in range(1, 7)},
            "month_4": Decimal("4500000"),
            "facebook": True,
        },
        version=line.version,
        by=officer,
        today=TODAY,
    )
    stored = DistrictTotals.objects.get(round=round, district_id="5607").flags
    assert any(f["rule"] == "month_spike" for f in stored)
    return stored


def test_a_registry_import_renaming_a_product_refreshes_a_pinned_rounds_flags(samples, officer):
    import dataclasses

    from products.registry_workbook import registry_read
    from products.services.registry import registry_import

    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    stored = flagged_5607(samples, round, officer)
    code = next(f["product"] for f in stored if f["product"])

    rows = registry_read(samples / "registry.xlsx").rows
    rows = [
        dataclasses.replace(r, product_name=r.product_name + " (ใหม่)")
        if r.product_code == code
        else r
        for r in rows
    ]
    registry_import(rows=rows, as_of=dt.date(2021, 5, 1))

    # The round stays pinned to its snapshot, but its pages name the product as now.
    flags = DistrictTotals.objects.get(round=round, district_id="5607").flags
    assert {f["product_name"] for f in flags if f["product"] == code} == {
        next(r.product_name for r in rows if r.product_code == code)
    }
    assert_current(round)


def test_the_report_page_reads_the_flags_the_totals_keep(client, samples, officer, monkeypatch):
    from reports import plausibility

    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    stored = flagged_5607(samples, round, officer)

    def no_live_check(**kwargs):
        raise AssertionError("the page checked every line again")

    monkeypatch.setattr(plausibility, "flags_for_districts", no_live_check)
    client.login(username=officer.username, password=PASSWORD)
    url = reverse("reports:detail", args=[round.code, "5607"])
    thai = client.get(url).content.decode()
    assert stored[0]["product_name"] in thai
    assert "data-plausibility" in thai
    assert escape(plausibility.Flag(**stored[0]).message) in thai
    # Kept as a template and its figures: worded in the page's language.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    with translation.override("en"):
        message = plausibility.Flag(**stored[0]).message
    assert message.isascii() or "baht" in message
    assert escape(message) in english


def test_a_totals_row_from_before_the_flags_were_kept_is_checked_live(client, samples, officer):
    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    flagged_5607(samples, round, officer)
    row = DistrictTotals.objects.get(round=round, district_id="5607")
    assert row.flagged_lines and row.flags
    DistrictTotals.objects.filter(pk=row.pk).update(flags=[])

    client.login(username=officer.username, password=PASSWORD)
    page = client.get(reverse("reports:detail", args=[round.code, "5607"])).content.decode()
    assert row.flags[0]["product_name"] in page
    assert "data-plausibility" in page
    # Reading is no write: the row stays as it was until a write or rebuild_totals.
    assert DistrictTotals.objects.get(pk=row.pk).flags == []


def test_an_admin_edit_of_the_registry_or_a_target_refreshes_the_totals(client, samples, admin):
    from products.models import Product, Target

    round = make_round("2563-2")  # no snapshot: it counts the registry as it is now
    import_registry(samples)
    assert_current(round)
    client.force_login(admin)
    product = Product.objects.filter(district_id="5607").first()
    before = DistrictTotals.objects.get(round=round, district_id="5607").products

    response = client.post(
        reverse("admin:products_product_change", args=[product.pk]),
        {
            "entrepreneur": product.entrepreneur_id,
            "district": product.district_id,
            "code": product.code,
            "name": product.name,
            "type": product.type,
            "registered_year": product.registered_year,
            "status": "cancelled",
            "registered": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DistrictTotals.objects.get(round=round, district_id="5607").products == before - 1
    assert_current(round)

    response = client.post(
        reverse("admin:products_target_add"),
        {"round": round.pk, "district": "5607", "official": "7", "reason": "ทดสอบ"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Target.objects.get(round=round, district_id="5607").official == 7
    assert DistrictTotals.objects.get(round=round, district_id="5607").target == 7
    assert_current(round)

    client.post(reverse("admin:products_product_delete", args=[product.pk]), {"post": "yes"})
    # Products are kept for the forms that name them (PROTECT); refused or not, the
    # totals still equal a recomputation.
    assert_current(round)


def test_the_report_page_reads_its_progress_from_the_totals(client, samples, officer):
    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    report = report_import_5607(samples, round)
    answered = ReportLine.objects.filter(report=report, answered_at__isnull=False).count()
    row = DistrictTotals.objects.get(round=round, district_id="5607")
    assert row.report_answered == answered and row.report_lines > 0
    client.login(username=officer.username, password=PASSWORD)
    url = reverse("reports:detail", args=[round.code, "5607"])

    DistrictTotals.objects.filter(pk=row.pk).update(report_answered=7)
    assert "<strong data-progress-answered>7</strong>" in client.get(url).content.decode()

    # A row from before the totals kept the progress: counted live, and not written.
    DistrictTotals.objects.filter(pk=row.pk).update(report_lines=None, report_answered=None)
    page = client.get(url).content.decode()
    assert f"<strong data-progress-answered>{answered}</strong>" in page
    assert DistrictTotals.objects.get(pk=row.pk).report_lines is None


def first_line_key(client, url) -> str:
    page = client.get(url).content.decode()
    return page.split('<tr id="line-', 1)[1].split('"', 1)[0]


def test_the_report_page_shows_a_new_order_of_lines_once_a_write_changes_it(
    client, samples, officer
):
    from otop_portal.totals import totals_changed
    from products.models import Entrepreneur

    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    report = report_import_5607(samples, round)
    client.login(username=officer.username, password=PASSWORD)
    url = reverse("reports:detail", args=[round.code, "5607"])
    first = first_line_key(client, url)
    assert first_line_key(client, url) == first  # read again from the kept order

    # Another entrepreneur's code now sorts first (as a registry import or an admin
    # edit would write it, with the totals refreshed in the same transaction).
    last = ReportLine.objects.filter(report=report).order_by("-product__entrepreneur__code")[0]
    # That entrepreneur's first line in the page's order (code, product name, id): the
    # last entrepreneur may have several lines, whose order the code alone leaves open.
    top = ReportLine.objects.filter(
        report=report, product__entrepreneur_id=last.product.entrepreneur_id
    ).order_by("product__name", "id")[0]
    stamp = DistrictTotals.objects.get(round=round, district_id="5607").stamp
    with transaction.atomic():
        Entrepreneur.objects.filter(pk=last.product.entrepreneur_id).update(code="0000000000001")
        totals_changed(round_ids=[round.pk], districts=["5607"])
    assert DistrictTotals.objects.get(round=round, district_id="5607").stamp != stamp
    assert first_line_key(client, url) == str(top.pk)


def test_a_line_deleted_behind_the_kept_order_is_left_out_of_the_page(client, samples, officer):
    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    report_import_5607(samples, round)
    client.login(username=officer.username, password=PASSWORD)
    url = reverse("reports:detail", args=[round.code, "5607"])
    first = first_line_key(client, url)  # the order is kept now

    # Deleted in the database's own tools: no write refreshed the totals' stamp.
    ReportLine.objects.filter(pk=int(first)).delete()
    response = client.get(url)
    assert response.status_code == 200
    assert f'<tr id="line-{first}"' not in response.content.decode()


def test_the_province_and_district_pages_read_the_survey_counts_from_the_totals(
    client, samples, officer, province_staff
):
    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    survey = survey_get_or_start(round=round, district=District.objects.get(code="5607"))
    answer_one(survey, officer)
    row = DistrictTotals.objects.get(round=round, district_id="5607")
    assert (row.survey_answered, row.survey_trained, row.survey_sales_prev) == (1, 1, 1000)
    client.login(username=province_staff.username, password=PASSWORD)
    url = reverse("dashboards:province", args=[round.code, "56"])

    DistrictTotals.objects.filter(pk=row.pk).update(survey_answered=4242)
    assert "4,242 / " in client.get(url).content.decode()
    district_page = reverse("dashboards:district", args=[round.code, "5607"])
    assert "4,242 / " in client.get(district_page).content.decode()

    # A row from before the totals kept them: the province's answers are counted live.
    DistrictTotals.objects.filter(pk=row.pk).update(survey_answered=None)
    page = client.get(url).content.decode()
    assert "4,242 / " not in page
    assert f"1 / {row.entrepreneurs:,}" in page
    assert f"1 / {row.entrepreneurs:,}" in client.get(district_page).content.decode()
    assert DistrictTotals.objects.get(pk=row.pk).survey_answered is None


def test_an_answer_saved_adds_its_change_to_the_kept_survey_counts(samples, officer, monkeypatch):
    # An answer saved adds what it changed to the stored counts instead of counting the
    # district's answers again (issue #19): every change of every field, and a second
    # save of the same entrepreneur, leave the counts equal to a recount.
    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    survey = survey_get_or_start(round=round, district=District.objects.get(code="5607"))
    first, second = EntrepreneurAnswer.objects.filter(survey=survey).order_by("pk")[:2]
    products = list(first.entrepreneur.products.values_list("pk", flat=True))
    from reports import services

    counted = []  # the saves' own counts (assert_current's recomputation counts all)
    recount = services._survey_counts

    def spy(round, codes):
        if codes == ["5607"]:
            counted.append(codes)
        return recount(round, codes)

    monkeypatch.setattr(services, "_survey_counts", spy)

    def save(answer, data):
        answer.refresh_from_db()
        survey_answer_save(
            survey=survey,
            entrepreneur=answer.entrepreneur,
            data=data,
            by=officer,
            version=answer.version,
            today=TODAY,
        )
        assert_current(round)

    save(first, AnswerData(True, True, True, Decimal("1000"), set(products)))
    save(second, AnswerData(False, True, False, Decimal("0"), set()))
    save(first, AnswerData(False, True, False, Decimal("250.50"), set(products[:1])))
    save(first, AnswerData(True, False, True, Decimal("0"), set()))
    row = DistrictTotals.objects.get(round=round, district_id="5607")
    assert (row.survey_answered, row.survey_trained, row.survey_selling) == (2, 1, 1)
    assert (row.survey_standard, row.survey_sales_prev, row.survey_products_ready) == (1, 0, 0)
    assert counted == []  # no save counted the district's answers again
    # A row from before the counts were kept holds none: the save counts them.
    DistrictTotals.objects.filter(pk=row.pk).update(survey_answered=None)
    save(second, AnswerData(True, True, False, Decimal("90"), set()))
    assert DistrictTotals.objects.get(pk=row.pk).survey_answered == 2
    assert len(counted) == 1


def test_the_survey_page_shows_the_kept_counts_and_its_base_after_a_write_changes_it(
    client, samples, officer
):
    import_registry(samples)
    round = round_setup(code="2564-2", snapshot="latest").round
    survey = survey_get_or_start(round=round, district=District.objects.get(code="5607"))
    answer_one(survey, officer)
    client.login(username=officer.username, password=PASSWORD)
    url = reverse("surveys:detail", args=[round.code, "5607"])
    row = DistrictTotals.objects.get(round=round, district_id="5607")
    page = client.get(url).content.decode()
    assert f"1 จาก {row.entrepreneurs}" in page
    # The counts come from the totals (issue #19): what they keep is what shows.
    DistrictTotals.objects.filter(pk=row.pk).update(survey_answered=42)
    assert f"42 จาก {row.entrepreneurs}" in client.get(url).content.decode()
    # The page's rows are read fresh: a code changed shows at once.
    first = EntrepreneurAnswer.objects.filter(survey=survey).order_by("entrepreneur__code")[0]
    Entrepreneur.objects.filter(pk=first.entrepreneur_id).update(code="560799999")
    assert 'id="e-560799999"' in client.get(url).content.decode()
    # The base is kept under the totals' stamp: a change made behind the portal's back
    # counts once a write recomputes the district (rebuild_totals, or any write).
    maechai = District.objects.get(code="5607")
    kept = survey_base_rows(round, maechai, stamp=row.stamp)
    SnapshotProduct.objects.filter(snapshot=round.snapshot, product_id=kept[0][1]).delete()
    assert survey_base_rows(round, maechai, stamp=row.stamp) == kept
    call_command("rebuild_totals", stdout=io.StringIO())
    stamp = DistrictTotals.objects.get(pk=row.pk).stamp
    assert stamp != row.stamp
    assert len(survey_base_rows(round, maechai, stamp=stamp)) == len(kept) - 1
