"""Fixtures of the security tests: a small world with two districts of Phayao, each with
a survey, a report and an upload, and names that give away a leak."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.conftest import make_entrepreneur, make_product, make_round

#: Names that appear only in one district's data: a page of another district that shows
#: one of them has leaked it.
SECRET_5607 = "ร้านลับเฉพาะแม่ใจ"
SECRET_5604 = "ร้านลับเฉพาะเชียงม่วน"


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    # Uploaded files go to the test's own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Side:
    """One district's objects: what the URL parameters of its pages point at."""

    district: str
    entrepreneur: object
    product: object
    survey: object
    survey_upload: object
    report: object
    line: object
    report_upload: object
    job: object = None  # a job started by the district's officer (test_permission_matrix)


def _side(round, district: str, secret: str) -> Side:
    from districts.models import District
    from reports.models import ReportLine, ReportUpload
    from reports.services import report_get_or_start
    from surveys.models import SurveyUpload
    from surveys.services import survey_get_or_start

    entrepreneur = make_entrepreneur(district, name=secret)
    product = make_product(entrepreneur, name=f"สินค้าของ{secret}")
    place = District.objects.get(code=district)
    survey = survey_get_or_start(round=round, district=place)
    report = report_get_or_start(round=round, district=place)
    # Uploads already dealt with (refused, with their problems and marked-up copy to
    # download): posting to their confirm or discard pages reaches the view's own checks
    # and changes nothing.
    refused = {
        "outcome": SurveyUpload.Outcome.REFUSED,
        "summary": {"problems": [{"message": secret}]},
    }
    survey_upload = SurveyUpload(survey=survey, original_name="survey.xlsx", **refused)
    survey_upload.file.save("survey.xlsx", ContentFile(b"PK"), save=True)
    survey_upload.problems_file.save("survey-problems.xlsx", ContentFile(b"PK"), save=True)
    report_upload = ReportUpload(report=report, original_name="report.xlsx", **refused)
    report_upload.file.save("report.xlsx", ContentFile(b"PK"), save=True)
    report_upload.problems_file.save("report-problems.xlsx", ContentFile(b"PK"), save=True)
    return Side(
        district=district,
        entrepreneur=entrepreneur,
        product=product,
        survey=survey,
        survey_upload=survey_upload,
        report=report,
        line=ReportLine.objects.get(report=report, product=product),
        report_upload=report_upload,
    )


@dataclass
class World:
    round: object
    mine: Side  # district 5607, province 56
    theirs: Side  # district 5604, the same province


@pytest.fixture
def open_round(db):
    """Round 2564-2 with its deadlines ahead, so every form can still be edited."""
    ahead = timezone.localdate() + dt.timedelta(days=60)
    return make_round(survey_deadline=ahead, report_deadline=ahead)


@pytest.fixture
def world(open_round) -> World:
    return World(
        round=open_round,
        mine=_side(open_round, "5607", SECRET_5607),
        theirs=_side(open_round, "5604", SECRET_5604),
    )


@pytest.fixture
def matrix(world: World, officer, outsider) -> World:
    """The world, with a finished export job of each district's officer."""
    from jobs.models import Job, JobKind, JobStatus

    for side, user in ((world.mine, officer), (world.theirs, outsider)):
        job = Job(
            user=user,
            kind=JobKind.SURVEY_EXPORT,
            status=JobStatus.SUCCEEDED,
            params={"round": world.round.code, "district": side.district},
            output_name=f"survey-{side.district}.xlsx",
        )
        job.output_file.save(f"survey-{side.district}.xlsx", ContentFile(b"PK"), save=True)
        side.job = job
    return world


def xlsx(rows: list[list], *, title: str = "Sheet") -> bytes:
    """A small workbook written with openpyxl, as Excel would save it."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(content: bytes, name: str) -> io.BytesIO:
    """A file for the test client's multipart POST."""
    data = io.BytesIO(content)
    data.name = name
    return data


def workbook_text(content: bytes) -> str:
    """Every XML part of an .xlsx (or the text of anything else), for leak checks."""
    import zipfile

    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            return "".join(
                zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".xml")
            )
    return content.decode("utf-8", "replace")


def data_fingerprint() -> dict:
    """What the portal knows, as plain values: registry, targets, answers, report lines,
    submissions. Upload records and job records are left out: they note that a file came
    and was refused, which is their purpose."""
    from products.models import Entrepreneur, Product, RegistrySnapshot, Target
    from reports.models import Report, ReportLine
    from surveys.models import EntrepreneurAnswer, ProductAnswer, Survey

    def rows(model, *fields):
        return sorted(model.objects.values_list(*fields), key=repr)

    return {
        "entrepreneurs": rows(Entrepreneur, "code", "name", "type", "district_id", "registered"),
        "products": rows(
            Product,
            "code",
            "name",
            "type",
            "registered_year",
            "status",
            "registered",
            "entrepreneur__code",
        ),
        "snapshots": rows(RegistrySnapshot, "id"),
        "targets": rows(Target, "round_id", "district_id", "official"),
        "surveys": rows(Survey, "id", "status", "updated_at"),
        "entrepreneur_answers": rows(
            EntrepreneurAnswer,
            "id",
            "trained",
            "selling_online",
            "has_standard",
            "sales_prev_year",
            "version",
        ),
        "product_answers": rows(ProductAnswer, "id", "ready", "answered_at"),
        "reports": rows(Report, "id", "status", "updated_at"),
        "report_lines": rows(
            ReportLine,
            "id",
            "version",
            "month_1",
            "month_2",
            "month_3",
            "month_4",
            "month_5",
            "month_6",
            "sales_baseline",
            "url",
            "note",
        ),
    }
