"""Attachment 3 out: the one function that the page, the management command and the job
call to build the workbook of a district, of a province or of the whole country."""

from __future__ import annotations

from districts.places import place_districts
from products.models import Round
from reports.selectors import report_district_headings, report_export_rows
from reports.workbook import write_report


def report_export_write(output, *, round: Round, district=None, province=None, track=None):
    """Write attachment 3 to `output` (a path or a binary file): one district's report, a
    province's consolidated one (a heading before each district, in DOPA order), or with
    neither the whole country's. `track` sees the rows on their way to the writer (a job
    counts them)."""
    districts, place_province = place_districts(district=district, province=province)
    rows = report_export_rows(round=round, districts=districts)
    write_report(
        output,
        round=round,
        province_name=place_province.name_th if place_province else None,
        district_name=district.name_th if district else None,
        rows=track(rows) if track else rows,
        district_names=None
        if district
        else report_district_headings(districts, country=place_province is None),
    )
