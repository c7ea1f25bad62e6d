"""The portal's imports and exports run as jobs, through the apps' own services."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from python_calamine import CalamineWorkbook

from jobs.models import JobKind, JobStatus
from jobs.services import job_start
from products.models import Product, RegistrySnapshot
from surveys.models import EntrepreneurAnswer


def upload(path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def sheet_rows(job) -> list[list]:
    with job.output_file.open("rb") as fh:
        book = CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
    return book.get_sheet_by_index(0).to_python()


@pytest.fixture
def registry(round_2564, samples, admin):
    """The sample registry, imported by a registry job."""
    job_start(
        kind=JobKind.REGISTRY_IMPORT,
        by=admin,
        params={"as_of": "2021-04-01"},
        input_file=upload(samples / "registry.xlsx"),
    )
    return round_2564


class TestRegistryImport:
    def test_the_sample_registry_imports_with_its_summary(self, round_2564, samples, admin):
        expected = json.loads((samples / "expected.json").read_text())["registry"]

        job = job_start(
            kind=JobKind.REGISTRY_IMPORT,
            by=admin,
            params={"as_of": "2021-04-01"},
            input_file=upload(samples / "registry.xlsx"),
        )

        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.input_name == "registry.xlsx"
        for code, figures in expected.items():
            district = job.result["districts"][code]
            assert district["products"]["new"] == Product.objects.filter(district=code).count()
            base = Product.objects.base(round_2564).filter(district=code)
            assert base.count() == figures["products"]
        assert job.result["totals"]["products"]["new"] == Product.objects.count()
        assert job.result["snapshot"] == RegistrySnapshot.objects.get().pk
        assert job.done == job.total == job.result["rows"] == Product.objects.count()
        assert job.percent == 100

    def test_a_refused_registry_fails_the_job_with_every_problem_and_writes_nothing(
        self, round_2564, admin
    ):
        bad = SimpleUploadedFile("registry.csv", "รหัสผู้ประกอบการ OTOP,ชื่อ\n1,ก\n".encode())

        job = job_start(
            kind=JobKind.REGISTRY_IMPORT, by=admin, params={"as_of": "2021-04-01"}, input_file=bad
        )

        assert job.status == JobStatus.FAILED
        problems = job.result["problems"]
        assert problems and job.error == (
            f"ไม่รับไฟล์นี้: พบปัญหา {len(problems)} รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง"
        )
        assert {"message", "row", "column", "header", "value"} <= set(problems[0])
        assert not RegistrySnapshot.objects.exists()
        assert not Product.objects.exists()

    def test_only_administrators_import_the_registry(self, round_2564, samples, province_staff):
        with pytest.raises(PermissionDenied):
            job_start(
                kind=JobKind.REGISTRY_IMPORT,
                by=province_staff,
                params={"as_of": "2021-04-01"},
                input_file=upload(samples / "registry.xlsx"),
            )

    def test_a_big_registry_file_is_queued(self, round_2564, samples, admin, held_queue):
        job = job_start(
            kind=JobKind.REGISTRY_IMPORT,
            by=admin,
            params={"as_of": "2021-04-01"},
            input_file=upload(samples / "registry.xlsx"),
        )

        assert job.status == JobStatus.QUEUED
        assert not Product.objects.exists()


class TestDistrictImports:
    def test_an_officer_imports_the_districts_survey(self, registry, samples, officer):
        job = job_start(
            kind=JobKind.SURVEY_IMPORT,
            by=officer,
            params={"round": "2564-2", "district": "5607"},
            input_file=upload(samples / "survey_5607.xlsx"),
        )

        assert job.status == JobStatus.SUCCEEDED, job.error
        expected = json.loads((samples / "expected.json").read_text())["survey"]["5607"]
        assert job.result["entrepreneurs"]["new"] == expected["entrepreneurs"]
        assert job.result["products"]["new"] == expected["products"]
        assert job.done == job.total == job.result["rows"]
        assert job.label == "อำเภอแม่ใจ รอบ 2564-2"

    def test_another_districts_form_fails_the_job_and_changes_no_answer(
        self, registry, samples, officer
    ):
        before = list(EntrepreneurAnswer.objects.values_list("id", "trained", "answered_at"))

        job = job_start(
            kind=JobKind.SURVEY_IMPORT,
            by=officer,
            params={"round": "2564-2", "district": "5607"},
            input_file=upload(samples / "survey_5604.xlsx"),
        )

        assert job.status == JobStatus.FAILED
        assert job.result["problems"]
        assert (
            list(EntrepreneurAnswer.objects.values_list("id", "trained", "answered_at")) == before
        )

    def test_an_officer_imports_the_districts_report(self, registry, samples, officer):
        job = job_start(
            kind=JobKind.REPORT_IMPORT,
            by=officer,
            params={"round": "2564-2", "district": "5607"},
            input_file=upload(samples / "report_5607.xlsx"),
        )

        assert job.status == JobStatus.SUCCEEDED, job.error
        expected = json.loads((samples / "expected.json").read_text())["report"]["5607"]
        assert job.result["sold_online"] == expected["sold_online"]
        assert float(job.result["sales_round"]) == expected["sales_round"]

    def test_an_officer_cannot_import_another_districts_form(self, registry, samples, outsider):
        with pytest.raises(Http404):
            job_start(
                kind=JobKind.SURVEY_IMPORT,
                by=outsider,
                params={"round": "2564-2", "district": "5607"},
                input_file=upload(samples / "survey_5607.xlsx"),
            )

    def test_provincial_staff_only_read_a_districts_forms(self, registry, samples, province_staff):
        with pytest.raises(PermissionDenied):
            job_start(
                kind=JobKind.REPORT_IMPORT,
                by=province_staff,
                params={"round": "2564-2", "district": "5607"},
                input_file=upload(samples / "report_5607.xlsx"),
            )


class TestExports:
    def test_a_districts_survey_form_is_written_with_progress_to_the_last_row(
        self, registry, officer
    ):
        base = Product.objects.base(registry).filter(district="5607").count()

        job = job_start(
            kind=JobKind.SURVEY_EXPORT, by=officer, params={"round": "2564-2", "district": "5607"}
        )

        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.done == job.total == base > 0
        assert job.result == {"rows": base, "products": base}
        assert job.output_name == "survey-2564-2-5607.xlsx"
        cells = {cell for row in sheet_rows(job) for cell in row}
        assert (
            set(
                Product.objects.base(registry)
                .filter(district="5607")
                .values_list("name", flat=True)
            )
            <= cells
        )

    def test_a_provinces_report_is_written_for_its_staff(self, registry, province_staff):
        base = Product.objects.base(registry).filter(district__province="56").count()

        job = job_start(
            kind=JobKind.REPORT_EXPORT,
            by=province_staff,
            params={"round": "2564-2", "province": "56"},
        )

        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.done == job.total == base
        assert job.output_name == "report_2564-2_56.xlsx"
        assert "จังหวัดพะเยา" in {cell for row in sheet_rows(job) for cell in row}

    @pytest.mark.parametrize("kind", [JobKind.SURVEY_EXPORT, JobKind.REPORT_EXPORT])
    def test_an_administrator_exports_every_province_in_one_file(self, registry, admin, kind):
        from tests.conftest import make_entrepreneur, make_product

        elsewhere = make_product(make_entrepreneur("5001"), name="ร่มบ่อสร้าง")
        base = Product.objects.base(registry).count()

        job = job_start(kind=kind, by=admin, params={"round": "2564-2", "country": True})

        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.done == job.total == base
        assert (
            job.output_name
            == {
                JobKind.SURVEY_EXPORT: "survey-2564-2-all.xlsx",
                JobKind.REPORT_EXPORT: "report_2564-2_all.xlsx",
            }[kind]
        )
        cells = {cell for row in sheet_rows(job) for cell in row}
        assert "ทุกจังหวัด" in cells
        assert elsewhere.name in cells
        if kind == JobKind.REPORT_EXPORT:
            # A heading per district, with its province: district names repeat.
            assert "อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่" in cells

    @pytest.mark.parametrize("who", ["officer", "province_staff"])
    def test_only_an_administrator_exports_the_whole_country(self, registry, who, request):
        with pytest.raises(Http404):
            job_start(
                kind=JobKind.SURVEY_EXPORT,
                by=request.getfixturevalue(who),
                params={"round": "2564-2", "country": True},
            )

    def test_a_provinces_targets_are_written(self, registry, province_staff):
        job = job_start(
            kind=JobKind.TARGETS_EXPORT,
            by=province_staff,
            params={"round": "2564-2", "province": "56"},
        )

        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.result == {"rows": 9}
        assert job.output_name == "targets_2564-2_56.xlsx"

    def test_a_big_export_is_queued_and_written_by_the_worker(self, registry, officer, held_queue):
        from jobs.tasks import run_job

        job = job_start(
            kind=JobKind.REPORT_EXPORT, by=officer, params={"round": "2564-2", "district": "5607"}
        )
        assert job.status == JobStatus.QUEUED and not job.has_output

        run_job.call(job.pk)

        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED and job.has_output
        assert job.percent == 100

    @pytest.mark.parametrize(
        "params",
        [{"round": "2564-2", "district": "5604"}, {"round": "2564-2", "province": "56"}],
    )
    def test_an_officer_exports_only_their_own_district(self, registry, officer, params):
        with pytest.raises(Http404):
            job_start(kind=JobKind.SURVEY_EXPORT, by=officer, params=params)

    def test_another_provinces_staff_cannot_export_it(self, registry, other_province_staff):
        with pytest.raises(Http404):
            job_start(
                kind=JobKind.TARGETS_EXPORT,
                by=other_province_staff,
                params={"round": "2564-2", "province": "56"},
            )

    def test_an_unknown_round_is_refused_with_a_message(self, registry, officer):
        from jobs.registry import JobRefused

        with pytest.raises(JobRefused, match="2599-1"):
            job_start(
                kind=JobKind.SURVEY_EXPORT,
                by=officer,
                params={"round": "2599-1", "district": "5607"},
            )


def test_the_registry_as_of_date_must_be_a_date(round_2564, samples, admin):
    from jobs.registry import JobRefused

    with pytest.raises(JobRefused):
        job_start(
            kind=JobKind.REGISTRY_IMPORT,
            by=admin,
            params={"as_of": "yesterday"},
            input_file=upload(samples / "registry.xlsx"),
        )


def test_an_import_may_be_started_with_an_open_file(round_2564, samples, admin):
    with (samples / "registry.xlsx").open("rb") as fh:
        job = job_start(
            kind=JobKind.REGISTRY_IMPORT,
            by=admin,
            params={"as_of": "2021-04-01"},
            input_file=fh,
        )

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.input_name == "registry.xlsx"


def test_it_reports_the_registrys_rows_read_as_they_are_read(
    round_2564, samples, admin, monkeypatch
):
    from jobs.progress import Progress
    from products import registry_workbook

    monkeypatch.setattr(registry_workbook, "PROGRESS_ROWS", 50)
    seen = []
    original = Progress.__call__

    def record(self, done, total=None):
        seen.append((done, total))
        original(self, done, total)

    monkeypatch.setattr(Progress, "__call__", record)

    job = job_start(
        kind=JobKind.REGISTRY_IMPORT,
        by=admin,
        params={"as_of": "2021-04-01"},
        input_file=upload(samples / "registry.xlsx"),
    )

    assert job.status == JobStatus.SUCCEEDED, job.error
    # Rows read every 50 rows while the file is read, then all of them.
    assert len(seen) > 2
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)
    assert seen[-1][0] == seen[-1][1] == job.result["rows"]
    job.refresh_from_db()
    assert job.done == job.total == job.result["rows"]
