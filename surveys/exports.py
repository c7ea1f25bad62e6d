"""Attachment 2 out: the one function that the page, the management command and the job
call to build the workbook of a district, of a province or of the whole country."""

from __future__ import annotations

from districts.places import place_districts
from products.models import Round
from surveys.selectors import survey_export_blocks
from surveys.workbook import write_survey


def survey_export_write(output, *, round: Round, district=None, province=None, track=None) -> int:
    """Write attachment 2 to `output` (a path or a binary file): one district's, a
    province's consolidated form (its districts in DOPA order), or with neither the whole
    country's. `track` sees the district blocks on their way to the writer (a job counts
    them). Returns the rows written."""
    districts, province = place_districts(district=district, province=province)
    # One district's rows are read whole; a province's or the country's stream.
    if district is not None:
        blocks = survey_export_blocks(round=round, district=district)
    else:
        blocks = survey_export_blocks(round=round, districts=districts)
    return write_survey(
        output,
        round=round,
        province_name=province.name_th if province else None,
        district_name=district.name_th if district else None,
        blocks=track(blocks) if track else blocks,
    )
