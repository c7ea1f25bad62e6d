"""Attachment 2 out: the one function that the page, the management command and the job
call to build the workbook of a district, of a province or of the whole country."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from districts.models import District, Province
from products.models import Round
from surveys.selectors import survey_export_blocks
from surveys.workbook import write_survey


def survey_export_write(
    output,
    *,
    round: Round,
    district: District | None = None,
    province: Province | None = None,
    track: Callable[[Iterable], Iterable] | None = None,
) -> int:
    """Write attachment 2 to `output` (a path or a binary file): one district's, a
    province's consolidated form (its districts in DOPA order), or with neither the whole
    country's. `track` sees the district blocks on their way to the writer (a job counts
    them). Returns the rows written."""
    if district is not None:
        districts = District.objects.filter(code=district.code)
        province = district.province
    elif province is not None:
        districts = District.objects.filter(province=province)
    else:
        districts = District.objects.all()
    blocks = survey_export_blocks(round=round, districts=districts)
    return write_survey(
        output,
        round=round,
        province_name=province.name_th if province else None,
        blocks=track(blocks) if track else blocks,
    )
