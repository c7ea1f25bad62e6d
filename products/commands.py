"""The round a management command names (see otop_portal.commands), and the two command
bases that take a round and a place.

The commands that import a district's filled form (import_survey, import_report) share
DistrictImportCommand: the same arguments, the same refusal; each says only how to import
and what to print. The commands that write a district's or a province's form
(export_survey, export_report) share PlaceExportCommand likewise."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _
from xlsxwriter.exceptions import FileCreateError

from districts.commands import district_option, province_option
from otop_portal.cells import CellError
from otop_portal.commands import (
    cannot_write,
    input_file,
    output_file,
    problems_argument,
    problems_option,
    refused,
    user_option,
)
from otop_portal.importing import ImportRefused
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.workflow import WorkflowError
from products.selectors import round_get

MSG_NO_ROUND = _("ไม่พบรอบการประเมิน %(code)s (สร้างด้วย setup_round)")


def round_option(code: str):
    round = round_get(code)
    if round is None:
        raise CommandError(MSG_NO_ROUND % {"code": code})
    return round


class DistrictImportCommand(BaseCommand):
    """FILE --round CODE --district CODE [--user NAME] [--dry-run]: a district's filled
    form imported all or nothing by `import_file`, and its result printed by `report`."""

    file_help = "the .xlsx, .xls or .ods file"

    def add_arguments(self, parser):
        parser.add_argument("file", help=self.file_help)
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        parser.add_argument("--district", required=True, help="the district's DOPA code, e.g. 5601")
        parser.add_argument("--user", help="the username the import is recorded under")
        parser.add_argument("--dry-run", action="store_true", help="read and report, write nothing")
        parser.add_argument(
            "--allow-blank",
            action="store_true",
            help="accept a form with no mark and no amount anywhere (refused otherwise)",
        )
        problems_argument(parser)

    def import_file(self, *, round, district, file, name: str, by, dry_run: bool, allow_blank):
        raise NotImplementedError

    def report(self, result, *, name: str, round, district) -> None:
        raise NotImplementedError

    def handle(self, *args, **options):
        path = input_file(options["file"])
        round = round_option(options["round"])
        district = district_option(options["district"])
        by = user_option(options["user"])
        problems = problems_option(options["problems"])
        try:
            with path.open("rb") as fh:
                result = self.import_file(
                    round=round,
                    district=district,
                    file=fh,
                    name=path.name,
                    by=by,
                    dry_run=options["dry_run"],
                    allow_blank=options["allow_blank"],
                )
        except (ImportRefused, SpreadsheetError, CellError, WorkflowError) as exc:
            raise refused(self, path.name, exc, source=path, problems=problems) from None
        self.report(result, name=path.name, round=round, district=district)


class PlaceExportCommand(BaseCommand):
    """--round CODE (--district CODE | --province CODE) -o FILE: a district's form, or a
    province's consolidated one, written by `write`, which returns the line to print."""

    suffix = ".xlsx"

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--district", help="the district's DOPA code, e.g. 5601")
        where.add_argument("--province", help="the province's DOPA code, e.g. 56")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")

    def write(self, path: Path, *, round, district, province) -> str:
        raise NotImplementedError

    def handle(self, *args, **options):
        round = round_option(options["round"])
        district = district_option(options["district"]) if options["district"] else None
        province = None if district else province_option(options["province"])
        path = output_file(options["output"], suffix=self.suffix)
        try:
            line = self.write(path, round=round, district=district, province=province)
        except (OSError, FileCreateError) as exc:
            raise cannot_write(path, exc) from None
        self.stdout.write(self.style.SUCCESS(line))
