"""python manage.py export_survey --round 2564-2 (--district 5601 | --province 56) -o FILE"""

from __future__ import annotations

from products.commands import PlaceExportCommand
from surveys.exports import survey_export_write


class Command(PlaceExportCommand):
    help = (
        "Write attachment 2 (แบบสำรวจความพร้อม) of a district, or the consolidated form of a "
        "province (all its districts in DOPA order), prefilled with the registry and the "
        "answers so far."
    )
    suffix = ""

    def write(self, path, *, round, district, province) -> str:
        with path.open("wb") as fh:
            rows = survey_export_write(fh, round=round, district=district, province=province)
        label = f"อำเภอ{district.name_th}" if district else f"จังหวัด{province.name_th} (ทุกอำเภอ)"
        return f"{path}: แบบสำรวจความพร้อม {label} รอบ {round.code} {rows:,} แถว"
