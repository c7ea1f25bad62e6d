"""python manage.py export_report --round 2564-2 (--district 5601 | --province 56) -o FILE"""

from __future__ import annotations

from products.commands import PlaceExportCommand
from reports.exports import report_export_write


class Command(PlaceExportCommand):
    help = (
        "Write attachment 3 (แบบรายงานผล) of a district, or the consolidated report of a "
        "province (districts in DOPA order), in the department's layout."
    )

    def write(self, path, *, round, district, province) -> str:
        report_export_write(str(path), round=round, district=district, province=province)
        where = f"อำเภอ{district.name_th}" if district else f"จังหวัด{province.name_th}"
        return f"เขียน {path}: แบบรายงานผล {where} รอบ {round.code}"
