"""The survey pages through Django's test client."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from districts.models import District
from otop_portal.workflow import Status
from surveys import selectors, services
from surveys.models import EntrepreneurAnswer, ProductAnswer, Survey, SurveyUpload
from surveys.workbook import write_survey
from tests.conftest import make_entrepreneur, make_product

ROUND = "2564-2"


def url(name: str, code: str = "5607", **kwargs) -> str:
    return reverse(f"surveys:{name}", kwargs={"round_code": ROUND, "code": code, **kwargs})


def form_data(version=0, ready=(), trained=False, selling=False, standard=False, sales="", **extra):
    data = {
        "version": str(version),
        "ready": [str(i) for i in ready],
        "sales_prev_year": sales,
        **extra,
    }
    for name, on in (("trained", trained), ("selling_online", selling), ("has_standard", standard)):
        if on:
            data[name] = "on"
    return data


def stored_answers() -> list:
    return list(
        EntrepreneurAnswer.objects.order_by("id").values_list(
            "trained", "sales_prev_year", "answered_at", "version"
        )
    )


def exported(round) -> io.BytesIO:
    out = io.BytesIO()
    write_survey(
        out,
        round=round,
        province_name="พะเยา",
        blocks=selectors.survey_export_blocks(
            round=round, districts=District.objects.filter(code="5607")
        ),
    )
    out.seek(0)
    out.name = "survey.xlsx"
    return out


@pytest.fixture
def registry(small_registry):
    # Deadlines in the future unless a test says otherwise.
    round = small_registry["round"]
    round.survey_deadline = timezone.localdate() + dt.timedelta(days=30)
    round.save()
    return small_registry


@pytest.fixture
def survey(registry):
    return services.survey_get_or_start(
        round=registry["round"], district=District.objects.get(code="5607")
    )


@pytest.fixture
def upload(survey, officer):
    return SurveyUpload.objects.create(
        survey=survey, original_name="x.xlsx", uploaded_by=officer, file="uploads/surveys/x.xlsx"
    )


def all_survey_urls(registry, upload) -> list[tuple[str, str]]:
    return [
        ("get", url("detail")),
        ("get", url("entrepreneur", entrepreneur_code="560700101")),
        ("post", url("entrepreneur", entrepreneur_code="560700101")),
        ("post", url("submit")),
        ("post", url("review")),
        ("post", url("exception")),
        ("get", url("export")),
        ("get", url("upload")),
        ("post", url("upload")),
        ("post", url("upload_confirm", upload_id=upload.pk)),
        ("post", url("upload_discard", upload_id=upload.pk)),
    ]


class TestAccess:
    def test_an_officer_of_another_district_gets_404_on_every_survey_url(
        self, client, registry, upload, outsider
    ):
        client.force_login(outsider)
        before = stored_answers()
        for method, address in all_survey_urls(registry, upload):
            response = getattr(client, method)(address, form_data(trained=True))
            assert response.status_code == 404, (method, address)
        assert stored_answers() == before
        assert SurveyUpload.objects.get().outcome == "previewed"

    def test_staff_of_another_province_gets_404_too(
        self, client, registry, upload, other_province_staff
    ):
        client.force_login(other_province_staff)
        for method, address in all_survey_urls(registry, upload):
            assert getattr(client, method)(address).status_code == 404, address
        assert (
            client.get(
                reverse("surveys:province", kwargs={"round_code": ROUND, "code": "56"})
            ).status_code
            == 404
        )

    def test_anonymous_users_are_sent_to_the_login_page(self, client, registry):
        response = client.get(url("detail"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_an_unknown_round_or_entrepreneur_is_404(self, client, registry, officer):
        client.force_login(officer)
        assert (
            client.get(
                reverse("surveys:detail", kwargs={"round_code": "2599-1", "code": "5607"})
            ).status_code
            == 404
        )
        assert client.get(url("entrepreneur", entrepreneur_code="560400101")).status_code == 404
        assert client.get(url("entrepreneur", entrepreneur_code="999999999")).status_code == 404
        # Another district's entrepreneur, by this district's address: nothing is saved.
        before = stored_answers()
        response = client.post(
            url("entrepreneur", entrepreneur_code="560400101"), form_data(trained=True)
        )
        assert response.status_code == 404 and stored_answers() == before
        # An entrepreneur whose only product is outside the round's base.
        outside = make_entrepreneur("5607", code="560700777")
        make_product(outside, registered_year=2564)
        assert client.get(url("entrepreneur", entrepreneur_code="560700777")).status_code == 404


@pytest.mark.parametrize("name", ["submit", "review", "exception"])
def test_it_requires_post(client, registry, officer, province_staff, name):
    client.force_login(province_staff if name != "submit" else officer)
    assert client.get(url(name)).status_code == 405


@pytest.mark.parametrize("name", ["upload_confirm", "upload_discard"])
def test_it_requires_post_for_uploads(client, upload, officer, name):
    client.force_login(officer)
    assert client.get(url(name, upload_id=upload.pk)).status_code == 405
    upload.refresh_from_db()
    assert upload.outcome == "previewed"


class TestItChecksAccess:
    def test_provincial_staff_cannot_write_a_districts_answers(
        self, client, registry, province_staff, upload
    ):
        client.force_login(province_staff)
        before = stored_answers()
        assert (
            client.post(
                url("entrepreneur", entrepreneur_code="560700101"), form_data(trained=True)
            ).status_code
            == 403
        )
        assert client.post(url("submit")).status_code == 403
        assert client.get(url("upload")).status_code == 403
        assert client.post(url("upload_confirm", upload_id=upload.pk)).status_code == 403
        assert client.post(url("upload_discard", upload_id=upload.pk)).status_code == 403
        assert stored_answers() == before

    def test_an_officer_cannot_review_or_extend(self, client, survey, officer):
        client.force_login(officer)
        survey.status = Status.SUBMITTED
        survey.save()
        assert client.post(url("review"), {"action": "approve"}).status_code == 403
        assert client.post(url("exception"), {"until": "2021-06-30"}).status_code == 403
        survey.refresh_from_db()
        assert survey.status == Status.SUBMITTED and survey.unlocked_until is None

    def test_it_checks_access_on_every_writing_view(self, client, registry, upload, outsider):
        client.force_login(outsider)
        for name, kwargs in (
            ("submit", {}),
            ("review", {}),
            ("exception", {}),
            ("upload", {}),
            ("upload_confirm", {"upload_id": upload.pk}),
            ("upload_discard", {"upload_id": upload.pk}),
            ("entrepreneur", {"entrepreneur_code": "560700101"}),
        ):
            assert client.post(url(name, **kwargs)).status_code == 404, name


class TestSurveyPage:
    def test_it_lists_entrepreneurs_with_the_progress_count(
        self, client, registry, survey, officer
    ):
        services.survey_answer_save(
            survey=survey,
            entrepreneur=registry["a"],
            by=officer,
            version=0,
            data=services.AnswerData(True, False, False, Decimal("12500"), set()),
        )
        client.force_login(officer)
        page = client.get(url("detail")).content.decode()
        assert "1 จาก 3 รายตอบแล้ว" in page
        assert "กลุ่มทอผ้าบ้านแม่ใจ" in page and "12,500.00" in page
        assert 'class="data stack"' in page and 'data-label="' in page
        assert "=HYPERLINK(&quot;x&quot;)" in page  # escaped, never markup

    def test_it_filters_and_searches(self, client, registry, survey, officer):
        services.survey_answer_save(
            survey=survey,
            entrepreneur=registry["a"],
            by=officer,
            version=0,
            data=services.AnswerData(False, False, False, Decimal("0"), set()),
        )
        client.force_login(officer)

        def codes(**params):
            return [r.code for r in client.get(url("detail"), params).context["rows"]]

        assert codes(unanswered="on") == ["560700102", "560700103"]
        assert codes(q="สมชาย") == ["560700102"]
        assert codes(q="0103") == ["560700103"]
        assert codes(type="2") == ["560700102"]
        assert codes(subdistrict=registry["a"].subdistrict_id) == [
            "560700101",
            "560700102",
            "560700103",
        ]
        assert codes(subdistrict="999999") == ["560700101", "560700102", "560700103"]

    def test_a_district_that_has_not_started_shows_its_registry(self, client, registry, officer):
        client.force_login(officer)
        response = client.get(url("detail"))
        assert response.status_code == 200
        assert "0 จาก 3 รายตอบแล้ว" in response.content.decode()
        assert not Survey.objects.exists()  # a GET writes nothing

    def test_the_page_makes_a_fixed_number_of_queries(self, client, registry, survey, officer):
        client.force_login(officer)

        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url("detail"), {"q": "", "unanswered": "on"}).status_code == 200
            return len(ctx.captured_queries)

        count()  # the district's subdistricts are then in the cache
        few = count()
        for _n in range(12):
            e = make_entrepreneur("5607")
            make_product(e)
            make_product(e)
        services.survey_get_or_start(
            round=registry["round"], district=District.objects.get(code="5607")
        )
        assert count() == few

    def test_the_download_is_attachment_2(self, client, registry, survey, officer):
        client.force_login(officer)
        response = client.get(url("export"))
        assert response.status_code == 200
        assert "survey-2564-2-5607.xlsx" in response["Content-Disposition"]
        ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        assert ws["P1"].value == "สิ่งที่ส่งมาด้วย ๒" and ws["A7"].value == "560700101"


class TestEntrepreneurForm:
    def test_it_shows_the_products_with_labels(self, client, registry, officer):
        client.force_login(officer)
        page = client.get(url("entrepreneur", entrepreneur_code="560700101")).content.decode()
        assert "ผ้าทอไทลื้อ" in page and "ผ้าพันคอฝ้าย" in page
        assert "ผลิตภัณฑ์ใหม่" not in page
        for field in (
            "id_trained",
            "id_selling_online",
            "id_has_standard",
            "id_sales_prev_year",
            "id_ready_0",
            "id_ready_1",
        ):
            assert f'for="{field}"' in page

    @pytest.mark.parametrize("typed", ["12,500", "๑๒,๕๐๐", "12500.00"])
    def test_it_accepts_amounts_as_officers_type_them(self, client, registry, officer, typed):
        client.force_login(officer)
        response = client.post(
            url("entrepreneur", entrepreneur_code="560700101"),
            form_data(sales=typed, trained=True, ready=[registry["a1"].id]),
        )
        assert response.status_code == 302
        answer = EntrepreneurAnswer.objects.get(entrepreneur=registry["a"])
        assert (answer.sales_prev_year, answer.trained) == (Decimal("12500.00"), True)
        assert ProductAnswer.objects.get(product=registry["a1"]).ready

    def test_it_refuses_an_amount_that_is_not_a_number(self, client, registry, officer):
        client.force_login(officer)
        response = client.post(
            url("entrepreneur", entrepreneur_code="560700101"), form_data(sales="หนึ่งหมื่น")
        )
        assert response.status_code == 400
        assert "“หนึ่งหมื่น” ไม่ใช่ตัวเลข" in response.content.decode()
        assert not Survey.objects.exists()

    def test_save_and_next_opens_the_next_entrepreneur(self, client, registry, officer):
        client.force_login(officer)
        response = client.post(
            url("entrepreneur", entrepreneur_code="560700101"), form_data(save_next="1")
        )
        assert response["Location"] == url("entrepreneur", entrepreneur_code="560700102")
        response = client.post(
            url("entrepreneur", entrepreneur_code="560700103"), form_data(save_next="1")
        )
        assert response["Location"].startswith(url("detail"))

    def test_a_second_officer_keeps_their_input_when_someone_saved_first(
        self, client, registry, survey, officer, colleague
    ):
        client.force_login(colleague)
        client.post(
            url("entrepreneur", entrepreneur_code="560700101"), form_data(version=0, trained=True)
        )
        client.force_login(officer)
        response = client.post(
            url("entrepreneur", entrepreneur_code="560700101"), form_data(version=0, sales="77,777")
        )
        assert response.status_code == 409
        page = response.content.decode()
        assert "ถูกบันทึกไปแล้วโดย colleague" in page
        assert 'value="77,777"' in page  # what the officer typed is still there
        assert 'name="version" value="1"' in page
        assert "ค่าที่บันทึกไว้ล่าสุดในระบบ" in page
        answer = EntrepreneurAnswer.objects.get(entrepreneur=registry["a"])
        assert (answer.trained, answer.sales_prev_year) == (True, Decimal("0.00"))
        # Saving again, now against the stored version, goes through.
        response = client.post(
            url("entrepreneur", entrepreneur_code="560700101"), form_data(version=1, sales="77,777")
        )
        assert response.status_code == 302
        assert EntrepreneurAnswer.objects.get(
            entrepreneur=registry["a"]
        ).sales_prev_year == Decimal("77777.00")

    def test_the_second_officer_sees_which_products_were_saved_ready(
        self, client, registry, survey, officer, colleague
    ):
        client.force_login(colleague)
        client.post(
            url("entrepreneur", entrepreneur_code="560700101"),
            form_data(version=0, ready=[registry["a1"].id]),
        )
        client.force_login(officer)
        response = client.post(
            url("entrepreneur", entrepreneur_code="560700101"), form_data(version=0)
        )
        assert response.status_code == 409
        stored = response.content.decode().split("ค่าที่บันทึกไว้ล่าสุดในระบบ")[1].split("</ul>")[0]
        assert f"ผลิตภัณฑ์ที่พร้อม: {registry['a1'].name}" in " ".join(stored.split())

    def test_a_save_reads_the_products_answers_once(self, client, registry, survey, officer):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(officer)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                url("entrepreneur", entrepreneur_code="560700101"),
                form_data(ready=[registry["a1"].id]),
            )
        assert response.status_code == 302
        reads = [
            q["sql"]
            for q in queries.captured_queries
            # A prepared query runs as EXECUTE on PostgreSQL, with its SQL in a comment.
            if q["sql"].startswith(("SELECT", "EXECUTE"))
            and 'FROM "surveys_productanswer"' in q["sql"]
        ]
        assert len(reads) == 1, reads  # in the save's transaction
        assert ProductAnswer.objects.get(product=registry["a1"]).ready


def test_the_full_cycle_through_the_browser(client, registry, officer, province_staff):
    r = registry
    client.force_login(officer)
    client.post(
        url("entrepreneur", entrepreneur_code="560700101"),
        form_data(trained=True, sales="12,500", ready=[r["a1"].id]),
    )
    client.post(url("entrepreneur", entrepreneur_code="560700102"), form_data(standard=True))
    response = client.post(url("submit"), follow=True)
    assert "ยังไม่มีคำตอบของผลิตภัณฑ์ 1 รายการ" in response.content.decode()
    client.post(url("entrepreneur", entrepreneur_code="560700103"), form_data(ready=[r["c1"].id]))
    response = client.post(url("submit"), follow=True)
    assert "ส่งแบบสำรวจแล้ว" in response.content.decode()
    survey = Survey.objects.get()
    assert survey.status == Status.SUBMITTED and not survey.late
    assert "ส่งแล้วและรอจังหวัดตรวจ" in client.get(url("detail")).content.decode()

    client.force_login(province_staff)
    page = client.get(url("detail")).content.decode()
    assert "ตรวจแบบสำรวจ" in page and "แบบนี้ไม่ใช่ของอำเภอของท่าน" in page
    response = client.post(url("review"), {"action": "return", "reason": ""}, follow=True)
    assert "ต้องระบุเหตุผลที่ส่งคืน" in response.content.decode()
    client.post(url("review"), {"action": "return", "reason": "ตรวจยอดขายกลุ่มทอผ้าอีกครั้ง"})
    survey.refresh_from_db()
    assert survey.status == Status.RETURNED

    client.force_login(officer)
    page = client.get(url("detail")).content.decode()
    assert "จังหวัดส่งคืนให้แก้ไข:" in page and "ตรวจยอดขายกลุ่มทอผ้าอีกครั้ง" in page
    client.post(
        url("entrepreneur", entrepreneur_code="560700101"),
        form_data(version=1, trained=True, sales="15,000", ready=[r["a1"].id]),
    )
    client.post(url("submit"))
    survey.refresh_from_db()
    assert survey.status == Status.SUBMITTED

    client.force_login(province_staff)
    response = client.post(url("review"), {"action": "approve"})
    assert response.status_code == 302  # to the confirmation, which approves on its POST
    assert client.get(response["Location"]).status_code == 200
    client.post(response["Location"].split("?")[0], {"items": ["survey:5607"]})
    survey.refresh_from_db()
    assert survey.status == Status.APPROVED

    client.force_login(officer)
    page = client.get(url("detail")).content.decode()
    assert "แบบนี้อนุมัติแล้ว จึงแก้ไขไม่ได้" in page
    for event in (
        "ส่งแบบสำรวจ",
        "ส่งคืนให้แก้ไข: ตรวจยอดขายกลุ่มทอผ้าอีกครั้ง",
        "อนุมัติ",
        "บันทึกคำตอบของ 560700101",
    ):
        assert event in page
    assert "province" in page and "officer" in page
    before = stored_answers()
    response = client.post(
        url("entrepreneur", entrepreneur_code="560700101"),
        form_data(version=2, sales="1"),
        follow=True,
    )
    assert "อนุมัติแล้ว" in response.content.decode()
    assert stored_answers() == before
    assert EntrepreneurAnswer.objects.get(entrepreneur=r["a"]).sales_prev_year == Decimal(
        "15000.00"
    )


def test_provincial_staff_grant_a_deadline_exception(client, registry, officer, province_staff):
    round = registry["round"]
    round.survey_deadline = dt.date(2021, 5, 25)
    round.lock_after_deadline = True
    round.save()
    client.force_login(officer)
    assert "พ้นกำหนดส่งวันที่ 25 พ.ค. 2564" in client.get(url("detail")).content.decode()
    client.force_login(province_staff)
    assert "ขยายเวลาให้อำเภอนี้" in client.get(url("detail")).content.decode()
    until = timezone.localdate() + dt.timedelta(days=7)
    client.post(url("exception"), {"until": until.isoformat()})
    assert Survey.objects.get().unlocked_until == until
    client.force_login(officer)
    response = client.post(url("entrepreneur", entrepreneur_code="560700101"), form_data())
    assert response.status_code == 302
    assert EntrepreneurAnswer.objects.filter(answered_at__isnull=False).count() == 1


class TestUpload:
    def test_it_previews_then_commits(self, client, registry, survey, officer):
        data = exported(registry["round"])
        wb = openpyxl.load_workbook(data)
        wb.active["L7"] = 1
        wb.active["P7"] = "๑๒,๕๐๐"
        data = io.BytesIO()
        wb.save(data)
        data.seek(0)
        data.name = "แบบสำรวจแม่ใจ.xlsx"
        client.force_login(officer)
        before = stored_answers()
        response = client.post(url("upload"), {"file": data})
        assert response.status_code == 200
        page = response.content.decode()
        assert "ตัวอย่างก่อนนำเข้า: แบบสำรวจแม่ใจ.xlsx" in page
        assert response.context["preview"]["entrepreneurs"]["new"] == 3
        assert stored_answers() == before
        record = SurveyUpload.objects.get()
        assert (record.uploaded_by, record.outcome) == (officer, "previewed")
        assert record.file.read()[:2] == b"PK"

        response = client.post(url("upload_confirm", upload_id=record.pk))
        assert response.status_code == 302
        answer = EntrepreneurAnswer.objects.get(entrepreneur=registry["a"])
        assert (answer.trained, answer.sales_prev_year) == (True, Decimal("12500.00"))
        record.refresh_from_db()
        assert record.outcome == "committed"
        # A second confirmation does nothing.
        client.post(url("upload_confirm", upload_id=record.pk))
        assert EntrepreneurAnswer.history.filter(history_type="~").count() == 3

    def test_a_refused_file_shows_every_problem_and_changes_nothing(
        self, client, registry, survey, officer
    ):
        wb = openpyxl.load_workbook(exported(registry["round"]))
        wb.active["A7"] = "560400101"
        wb.active["P9"] = "สองพัน"
        data = io.BytesIO()
        wb.save(data)
        data.seek(0)
        data.name = "bad.xlsx"
        client.force_login(officer)
        before = stored_answers()
        response = client.post(url("upload"), {"file": data})
        assert response.status_code == 422
        page = response.content.decode()
        assert "ไม่รับไฟล์นี้: พบปัญหา 2 รายการ" in page
        assert "เป็นของอำเภอเชียงม่วน" in page and "“สองพัน” ไม่ใช่ตัวเลข" in page
        assert stored_answers() == before
        assert SurveyUpload.objects.get().outcome == "refused"

    def test_it_refuses_a_file_over_the_size_limit(self, client, registry, officer, settings):
        settings.DISTRICT_UPLOAD_MAX_BYTES = 1000
        client.force_login(officer)
        data = io.BytesIO(b"PK" + b"0" * 2000)
        data.name = "big.xlsx"
        response = client.post(url("upload"), {"file": data})
        assert response.status_code == 400
        assert "ใหญ่เกินกว่าที่รับได้" in response.content.decode()
        assert not SurveyUpload.objects.exists()

    def test_a_preview_is_refused_after_someone_saved_answers(
        self, client, registry, survey, officer, colleague
    ):
        client.force_login(officer)
        client.post(url("upload"), {"file": exported(registry["round"])})
        record = SurveyUpload.objects.get()
        services.survey_answer_save(
            survey=survey,
            entrepreneur=registry["b"],
            by=colleague,
            version=0,
            data=services.AnswerData(True, True, True, Decimal("5"), set()),
        )
        response = client.post(url("upload_confirm", upload_id=record.pk), follow=True)
        assert "คำตอบในระบบเปลี่ยนไปหลังจากแสดงตัวอย่าง" in response.content.decode()
        assert EntrepreneurAnswer.objects.get(entrepreneur=registry["b"]).trained
        assert EntrepreneurAnswer.objects.filter(answered_at__isnull=False).count() == 1

    def test_a_preview_can_be_discarded(self, client, registry, survey, officer):
        client.force_login(officer)
        client.post(url("upload"), {"file": exported(registry["round"])})
        record = SurveyUpload.objects.get()
        client.post(url("upload_discard", upload_id=record.pk))
        record.refresh_from_db()
        assert record.outcome == "discarded"
        client.post(url("upload_confirm", upload_id=record.pk))
        assert not EntrepreneurAnswer.objects.filter(answered_at__isnull=False).exists()


class TestProvincePage:
    def test_it_shows_every_districts_status(
        self, client, registry, survey, officer, province_staff
    ):
        survey.status = Status.SUBMITTED
        survey.save()
        client.force_login(province_staff)
        response = client.get(
            reverse("surveys:province", kwargs={"round_code": ROUND, "code": "56"})
        )
        assert response.status_code == 200
        rows = {r.code: r for r in response.context["rows"]}
        assert len(rows) == 9
        assert rows["5607"].status == Status.SUBMITTED
        assert rows["5601"].status == Status.NOT_STARTED
        page = response.content.decode()
        assert "ส่งแล้ว" in page and "ยังไม่เริ่ม" in page

    def test_an_officer_sees_only_their_district(self, client, registry, officer):
        client.force_login(officer)
        response = client.get(
            reverse("surveys:province", kwargs={"round_code": ROUND, "code": "56"})
        )
        assert [r.code for r in response.context["rows"]] == ["5607"]
        assert (
            client.get(
                reverse("surveys:province_export", kwargs={"round_code": ROUND, "code": "56"})
            ).status_code
            == 403
        )

    def test_the_consolidated_download(self, client, registry, province_staff):
        client.force_login(province_staff)
        response = client.get(
            reverse("surveys:province_export", kwargs={"round_code": ROUND, "code": "56"})
        )
        ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        assert [ws["A7"].value, ws["A8"].value] == ["560400101", "560700101"]

    def test_the_page_makes_a_fixed_number_of_queries(
        self, client, registry, survey, province_staff
    ):
        client.force_login(province_staff)
        address = reverse("surveys:province", kwargs={"round_code": ROUND, "code": "56"})

        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                client.get(address)
            return len(ctx.captured_queries)

        few = count()
        for code in ("5601", "5602", "5603", "5605"):
            make_product(make_entrepreneur(code))
            services.survey_get_or_start(
                round=registry["round"], district=District.objects.get(code=code)
            )
        assert count() == few
