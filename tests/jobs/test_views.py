"""The pages of jobs: my jobs, a job's progress and result, its status JSON and download."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job, JobKind, JobStatus
from jobs.services import MSG_STALE, job_reap_stale
from tests.conftest import PASSWORD


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def make_job(user, **values) -> Job:
    values.setdefault("kind", JobKind.SURVEY_EXPORT)
    return Job.objects.create(user=user, **values)


def finished_export(user) -> Job:
    job = make_job(
        user,
        status=JobStatus.SUCCEEDED,
        done=3,
        total=3,
        result={"rows": 3},
        output_name="survey-2564-2-5607.xlsx",
        finished_at=timezone.now(),
    )
    job.output_file.save("survey-2564-2-5607.xlsx", ContentFile(b"PK workbook"), save=True)
    return job


class TestList:
    def test_it_lists_only_my_own_jobs(self, client, officer, colleague):
        mine = make_job(officer, label="อำเภอแม่ใจ รอบ 2564-2")
        theirs = make_job(colleague, label="งานของเพื่อน")

        page = login(client, officer).get(reverse("jobs:list"))

        assert page.status_code == 200
        assert reverse("jobs:detail", args=[mine.pk]) in page.text
        assert reverse("jobs:detail", args=[theirs.pk]) not in page.text

    def test_an_administrator_may_list_everyones_jobs(self, client, admin, officer):
        theirs = make_job(officer)

        own = login(client, admin).get(reverse("jobs:list"))
        everyone = client.get(reverse("jobs:list") + "?all=1")

        assert reverse("jobs:detail", args=[theirs.pk]) not in own.text
        assert reverse("jobs:detail", args=[theirs.pk]) in everyone.text

    def test_asking_for_everyones_jobs_shows_an_officer_only_their_own(
        self, client, officer, colleague
    ):
        theirs = make_job(colleague)

        page = login(client, officer).get(reverse("jobs:list") + "?all=1")

        assert reverse("jobs:detail", args=[theirs.pk]) not in page.text

    def test_it_makes_the_same_number_of_queries_for_many_jobs(
        self, client, officer, django_assert_max_num_queries
    ):
        login(client, officer)
        make_job(officer)
        with django_assert_max_num_queries(5) as one:
            client.get(reverse("jobs:list"))
        for _ in range(10):
            make_job(officer, status=JobStatus.SUCCEEDED)
        with django_assert_max_num_queries(len(one.captured_queries)):
            client.get(reverse("jobs:list"))

    def test_it_requires_a_login(self, client):
        assert client.get(reverse("jobs:list")).status_code == 302


class TestDetail:
    def test_an_unfinished_job_shows_an_accessible_progress_bar_updated_by_script(
        self, client, officer
    ):
        job = make_job(
            officer,
            status=JobStatus.RUNNING,
            done=40,
            total=200,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
            stage="กำลังเขียนไฟล์ Excel",
        )

        page = login(client, officer).get(reverse("jobs:detail", args=[job.pk]))

        assert page.status_code == 200
        assert re.search(r'<progress id="job-progress" max="200" value="40"', page.text)
        assert '<label for="job-progress">' in page.text
        assert "ทำแล้ว 40 จาก 200 แถว (20 %)" in page.text
        assert f'data-status-url="{reverse("jobs:status", args=[job.pk])}"' in page.text
        assert "js/jobs.js" in page.text
        assert "กำลังเขียนไฟล์ Excel" in page.text
        # No inline script: every <script> loads a file (the CSP forbids inline code).
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page.text))

    def test_a_job_whose_total_is_unknown_shows_a_busy_bar(self, client, officer):
        job = make_job(
            officer,
            status=JobStatus.RUNNING,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )

        page = login(client, officer).get(reverse("jobs:detail", args=[job.pk]))

        assert '<progress id="job-progress" max="1" aria-describedby' in page.text
        assert "ยังไม่ทราบจำนวนแถวทั้งหมด" in page.text

    def test_a_finished_export_offers_its_file_and_stops_polling(self, client, officer):
        job = finished_export(officer)

        page = login(client, officer).get(reverse("jobs:detail", args=[job.pk]))

        assert reverse("jobs:download", args=[job.pk]) in page.text
        assert "<progress" not in page.text and "js/jobs.js" not in page.text

    def test_a_failed_job_says_why(self, client, officer):
        job = make_job(officer, status=JobStatus.FAILED, error="ไม่พบรอบการประเมิน “2599-1”")

        page = login(client, officer).get(reverse("jobs:detail", args=[job.pk]))

        assert "งานไม่สำเร็จ" in page.text
        assert "ไม่พบรอบการประเมิน “2599-1”" in page.text

    def test_a_refused_import_lists_every_problem(self, client, officer):
        problems = [
            {
                "message": "ไม่ใช่ตัวเลข",
                "sheet": "แบบสำรวจ",
                "row": 9,
                "column": "P",
                "header": "ยอดจำหน่าย",
                "value": "abc",
            },
            {
                "message": "รหัสซ้ำ",
                "sheet": "แบบสำรวจ",
                "row": 12,
                "column": "A",
                "header": "รหัส",
                "value": "5607",
            },
        ]
        job = make_job(
            officer,
            kind=JobKind.SURVEY_IMPORT,
            status=JobStatus.FAILED,
            error="ไม่รับไฟล์นี้",
            result={"problems": problems},
        )

        page = login(client, officer).get(reverse("jobs:detail", args=[job.pk]))

        assert "ไม่รับไฟล์นี้: พบปัญหา 2 รายการ" in page.text
        assert "P9" in page.text and "ไม่ใช่ตัวเลข" in page.text and "รหัสซ้ำ" in page.text

    def test_a_succeeded_import_shows_its_summary_and_notices(self, client, officer):
        job = make_job(
            officer,
            kind=JobKind.SURVEY_IMPORT,
            status=JobStatus.SUCCEEDED,
            result={
                "rows": 93,
                "entrepreneurs": {"new": 65, "changed": 0, "unchanged": 0},
                "products": {"new": 93, "changed": 0, "unchanged": 0},
                "not_in_file": 0,
                "skipped": 0,
                "notices": ["อ่าน “✓” เป็น ใช่"],
            },
        )

        page = login(client, officer).get(reverse("jobs:detail", args=[job.pk]))

        assert "นำเข้าแบบสำรวจแล้ว" in page.text
        assert ">65<" in page.text and ">93<" in page.text
        assert "อ่าน “✓” เป็น ใช่" in page.text

    def test_a_stalled_job_warns_and_once_reaped_says_nothing_was_changed(self, client, officer):
        long_ago = timezone.now() - dt.timedelta(hours=1)
        job = make_job(
            officer,
            kind=JobKind.REGISTRY_IMPORT,
            status=JobStatus.RUNNING,
            started_at=long_ago,
            heartbeat_at=long_ago,
        )
        login(client, officer)

        stalled = client.get(reverse("jobs:detail", args=[job.pk]))
        job_reap_stale()
        reaped = client.get(reverse("jobs:detail", args=[job.pk]))

        assert "data-job-stalled>" in stalled.text  # shown, not hidden
        assert str(MSG_STALE % {"minutes": 5}) in reaped.text

    @pytest.mark.parametrize("who", ["colleague", "outsider", "province_staff"])
    def test_another_users_job_is_not_found(self, client, officer, who, request):
        job = make_job(officer)

        other = request.getfixturevalue(who)
        login(client, other)

        for name in ("jobs:detail", "jobs:status", "jobs:download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404

    def test_an_administrator_sees_any_job(self, client, officer, admin):
        job = make_job(officer)

        assert login(client, admin).get(reverse("jobs:detail", args=[job.pk])).status_code == 200


class TestStatus:
    def test_it_reports_the_rows_done_of_the_total(self, client, officer):
        job = make_job(
            officer,
            status=JobStatus.RUNNING,
            done=50,
            total=200,
            stage="กำลังเขียนไฟล์ Excel",
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )

        data = login(client, officer).get(reverse("jobs:status", args=[job.pk])).json()

        assert data == {
            "id": job.pk,
            "status": "running",
            "status_label": "กำลังทำงาน",
            "finished": False,
            "done": 50,
            "total": 200,
            "percent": 25,
            "stage": "กำลังเขียนไฟล์ Excel",
            "error": "",
            "stalled": False,
            "ahead": 0,
            "counts_text": "ทำแล้ว 50 จาก 200 แถว (25 %)",
            "ahead_text": "",
            "download_url": None,
        }

    def test_a_queued_job_says_how_many_jobs_are_ahead(self, client, officer, colleague):
        make_job(colleague)
        make_job(officer, status=JobStatus.SUCCEEDED)
        job = make_job(officer)

        data = login(client, officer).get(reverse("jobs:status", args=[job.pk])).json()

        assert (data["status"], data["ahead"], data["percent"]) == ("queued", 1, None)
        assert (data["counts_text"], data["ahead_text"]) == ("", "มีงานรอคิวก่อนหน้า 1 งาน")

    def test_a_finished_job_links_its_download(self, client, officer):
        job = finished_export(officer)

        response = login(client, officer).get(reverse("jobs:status", args=[job.pk]))

        assert "no-store" in response["Cache-Control"]
        assert response.json()["finished"] is True
        assert response.json()["percent"] == 100
        assert response.json()["download_url"] == reverse("jobs:download", args=[job.pk])


class TestDownload:
    def test_the_owner_downloads_the_file(self, client, officer):
        job = finished_export(officer)

        response = login(client, officer).get(reverse("jobs:download", args=[job.pk]))

        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"PK workbook"
        assert 'filename="survey-2564-2-5607.xlsx"' in response["Content-Disposition"]

    def test_a_colleague_of_the_same_district_cannot_download_it(self, client, officer, colleague):
        job = finished_export(officer)

        assert (
            login(client, colleague).get(reverse("jobs:download", args=[job.pk])).status_code == 404
        )

    def test_a_job_without_a_file_has_no_download(self, client, officer):
        job = make_job(officer, status=JobStatus.RUNNING)

        assert (
            login(client, officer).get(reverse("jobs:download", args=[job.pk])).status_code == 404
        )


class TestExportStart:
    def test_it_requires_post(self, client, officer):
        assert login(client, officer).get(reverse("jobs:export")).status_code == 405

    def test_it_checks_access(self, client, round_2564, outsider):
        response = login(client, outsider).post(
            reverse("jobs:export"),
            {"kind": JobKind.SURVEY_EXPORT, "round": "2564-2", "district": "5607"},
        )

        assert response.status_code == 404
        assert not Job.objects.exists()

    def test_it_starts_the_export_and_shows_its_page(self, client, round_2564, officer):
        response = login(client, officer).post(
            reverse("jobs:export"),
            {"kind": JobKind.REPORT_EXPORT, "round": "2564-2", "district": "5607"},
        )

        job = Job.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("jobs:detail", args=[job.pk])
        assert (job.user, job.status, job.kind) == (officer, JobStatus.SUCCEEDED, "report_export")

    def test_it_says_why_an_export_cannot_start(self, client, round_2564, officer):
        response = login(client, officer).post(
            reverse("jobs:export"),
            {"kind": JobKind.SURVEY_EXPORT, "round": "2599-1", "district": "5607"},
            follow=True,
        )

        assert "ไม่พบรอบการประเมิน “2599-1”" in response.text
        assert not Job.objects.exists()

    def test_it_wants_a_district_or_a_province(self, client, round_2564, officer):
        response = login(client, officer).post(
            reverse("jobs:export"),
            {"kind": JobKind.SURVEY_EXPORT, "round": "2564-2"},
            follow=True,
        )

        assert "ระบุอำเภอหรือจังหวัดอย่างใดอย่างหนึ่ง" in response.text
        assert not Job.objects.exists()


def test_the_export_button_posts_an_export_job(client, round_2564, officer):
    from django.template.loader import render_to_string

    html = render_to_string(
        "jobs/_export_button.html",
        {"kind": JobKind.SURVEY_EXPORT, "round": "2564-2", "district": "5607"},
    )
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', html))
    assert f'action="{reverse("jobs:export")}"' in html
    assert fields == {"kind": "survey_export", "round": "2564-2", "district": "5607"}

    response = login(client, officer).post(reverse("jobs:export"), fields)

    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED and job.has_output


def test_the_province_page_offers_the_consolidated_forms_as_background_jobs(
    client, province_staff, round_2564
):
    from django.urls import reverse

    client.force_login(province_staff)
    html = client.get(reverse("dashboards:province", args=["2564-2", "56"])).content.decode()
    assert reverse("jobs:export") in html
    assert 'value="survey_export"' in html and 'value="report_export"' in html


def test_the_country_page_offers_both_forms_of_every_province(client, round_2564, admin):
    response = login(client, admin).get(reverse("dashboards:country", args=["2564-2"]))

    html = response.text
    assert html.count('name="country" value="1"') == 2
    assert 'value="survey_export"' in html and 'value="report_export"' in html


@pytest.mark.parametrize("who", ["officer", "province_staff", "outsider"])
def test_only_an_administrator_may_start_the_countrys_export(client, round_2564, who, request):
    response = login(client, request.getfixturevalue(who)).post(
        reverse("jobs:export"),
        {"kind": JobKind.REPORT_EXPORT, "round": "2564-2", "country": "1"},
    )

    assert response.status_code == 404
    assert not Job.objects.exists()


def test_an_administrator_starts_the_countrys_export(client, round_2564, admin):
    response = login(client, admin).post(
        reverse("jobs:export"),
        {"kind": JobKind.SURVEY_EXPORT, "round": "2564-2", "country": "1"},
    )

    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.status, job.params) == (JobStatus.SUCCEEDED, {"round": "2564-2", "country": True})
    assert job.output_name == "survey-2564-2-all.xlsx"


def test_the_countrys_targets_are_not_one_form(client, round_2564, admin):
    response = login(client, admin).post(
        reverse("jobs:export"),
        {"kind": JobKind.TARGETS_EXPORT, "round": "2564-2", "country": "1"},
        follow=True,
    )

    assert "แบบเป้าหมายตัวชี้วัดส่งออกได้ทีละจังหวัด" in response.text
    assert not Job.objects.exists()
