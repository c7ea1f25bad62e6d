"""What the apps' job handlers share: parameters and scope, upload sizes, progress.

Each app registers the handlers of its own imports and exports in its AppConfig.ready
(products.job_handlers, surveys.job_handlers, reports.job_handlers), since the job
framework knows no feature app. A handler is a thin layer over its app's services.

Each kind has a check (who may do it, with which parameters, and how many rows: it runs
when the job is started and again when it runs) and a run. Imports call the apps' import
services, which read, check and write in one transaction; they run `atomic` so the job's
"succeeded" commits with the import. Exports call the apps' row generators and workbook
writers through a counting wrapper (`counted`), which is where their progress comes from.

Parameters are JSON: {"round": "2564-2", "district": "5607"} or {"province": "56"};
a registry import takes {"as_of": "2021-04-01"}.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.core.files import File
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from districts.models import District, Province
from districts.selectors import get_district_for_user, get_province_for_user
from jobs.progress import Progress
from jobs.registry import JobRefused
from jobs.selectors import place_label

MSG_NO_SCOPE = _("ต้องระบุอำเภอหรือจังหวัด")
MSG_NO_FILE = _("ไม่มีไฟล์ที่จะนำเข้า")
MSG_TOO_LARGE = _("ไฟล์ใหญ่เกิน %(limit)s MB")

STAGE_READING = _("กำลังอ่านและตรวจไฟล์ และบันทึกเมื่อไม่พบปัญหา")
STAGE_COUNTING = _("กำลังนับแถว")
STAGE_WRITING = _("กำลังเขียนไฟล์ Excel")

#: Bytes of an uploaded workbook per row, to guess whether an import is big before it
#: is read: the department's registry runs at 100-180 bytes a row, so this guesses high.
IMPORT_BYTES_PER_ROW = 100


def district_param(by, params: dict) -> District:
    """The district of the parameters if the user sees it (404 otherwise, as on the pages)."""
    return get_district_for_user(by, params.get("district") or "")


def province_param(by, params: dict) -> Province:
    """A province's consolidated forms are for its staff and administrators; to a district
    officer a province does not exist (404), as on the province pages."""
    return get_province_for_user(by, params.get("province") or "")


def scope_param(by, params: dict) -> tuple[QuerySet[District], Province | None, District | None]:
    """The districts of an export: one district, a province's, or (for administrators,
    who alone see the country's page) the whole country's, with no province."""
    if params.get("country"):
        if by is None or not by.is_portal_admin:
            raise Http404
        return District.objects.all(), None, None
    if params.get("district"):
        district = district_param(by, params)
        return District.objects.filter(code=district.code), district.province, district
    if params.get("province"):
        province = province_param(by, params)
        return District.objects.filter(province=province), province, None
    raise JobRefused(MSG_NO_SCOPE)


def job_place_label(province: Province | None, district: District | None, round) -> str:
    return place_label(
        round_code=round.code,
        district_name=district.name_th if district else "",
        province_name=province.name_th if province and not district else "",
    )


def rows_from_bytes(input_file, limit: int) -> int:
    if input_file is None:
        raise JobRefused(MSG_NO_FILE)
    # Django's File works out the size of an upload, a stored file or an open file.
    size = (input_file if isinstance(input_file, File) else File(input_file)).size or 0
    if size > limit:
        raise JobRefused(MSG_TOO_LARGE % {"limit": f"{limit / (1024 * 1024):.0f}"})
    return size // IMPORT_BYTES_PER_ROW


def counted(items: Iterable, progress: Progress, total: int, rows=lambda item: 1) -> Iterator:
    """Yield the items of an exporter's generator, reporting the rows the writer has taken.

    An item is counted once the writer asks for the next one, so `done` never runs ahead
    of what is written.
    """
    done = 0
    progress(0, total)
    for item in items:
        yield item
        done += rows(item)
        progress(done, total)


def export_name(pattern: str, round, province: Province | None, district: District | None) -> str:
    """The file name the page's own download gives (pattern: "survey-{round}-{place}");
    the whole country's is "all"."""
    place = district.code if district else province.code if province else "all"
    return pattern.format(round=round.code, place=place) + ".xlsx"
