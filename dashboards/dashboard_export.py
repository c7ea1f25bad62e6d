"""The dashboard's downloads: its table as .xlsx and .csv, and attachment 1 with a
second sheet of progress.

Every figure comes from the KPI selector's rows (reports.selectors.KpiRow), the same
rows the pages show, so a download never disagrees with the page it came from.

Attachment 1's sheet is written here rather than by products.targets_workbook.write_targets,
because that writer opens and closes its own workbook and a second sheet cannot be added
to it. The titles, header words, notes and footnotes are taken from that module, so both
files show the same attachment 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from otop_portal.cells import csv_safe
from otop_portal.dates import be_date
from otop_portal.workflow import Status
from otop_portal.xlsx import FormWriter
from products import targets_workbook as attachment1
from products.targets_workbook import print_footer

CSV_BOM = "\ufeff"


def _status(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


def _yes(value: bool | None) -> str:
    if value is None:
        return "–"
    return _("ใช่") if value else _("ไม่ใช่")


def _number(value) -> Decimal | int | str:
    return "" if value is None else value


def table_headers(round, *, area_label: str) -> list[str]:
    rate = attachment1.rate_label(round.growth_rate)
    return [
        _("ที่"),
        _("รหัส"),
        area_label,
        _("จำนวนผู้ประกอบการ"),
        _("จำนวนผลิตภัณฑ์ OTOP"),
        _("เป้าหมายที่คำนวณ"),
        _("เป้าหมายทางการ"),
        _("เป้าหมายที่ใช้"),
        _("ขายออนไลน์แล้ว (ผลิตภัณฑ์)"),
        _("ร้อยละของเป้าหมาย"),
        _("บรรลุเป้าหมาย"),
        _("ยอดจำหน่ายออนไลน์รอบนี้ (บาท)"),
        _("ยอดจำหน่ายช่วงเดียวกันของปีก่อน (บาท)"),
        _("ร้อยละการเติบโต"),
        _("เติบโตถึงร้อยละ %(rate)s") % {"rate": rate},
        _("สถานะแบบสำรวจ"),
        _("แบบสำรวจส่งช้า"),
        _("แบบสำรวจแก้ไขล่าสุด"),
        _("สถานะแบบรายงานผล"),
        _("แบบรายงานผลส่งช้า"),
        _("แบบรายงานผลแก้ไขล่าสุด"),
    ]


#: How each column is written in the workbook (FormWriter format names).
TABLE_FORMATS = [
    "center",
    "center",
    "text",
    "whole",
    "whole",
    "whole",
    "whole",
    "whole",
    "whole",
    "percent",
    "center",
    "money",
    "money",
    "percent",
    "center",
    "text",
    "center",
    "text",
    "text",
    "center",
    "text",
]
TABLE_WIDTHS = [6, 8, 22, 14, 14, 12, 12, 12, 14, 12, 10, 18, 18, 12, 12, 16, 10, 20, 16, 10, 20]


def table_rows(rows: Iterable, total) -> Iterator[tuple[list, bool]]:
    """The dashboard's table: (values, is_total) for each KPI row, then the total row."""
    number = 0
    for row in rows:
        number += 1
        yield _values(row, number), False
    yield _values(total, None), True


def _values(row, number: int | None) -> list:
    return [
        number if number is not None else _("รวม"),
        row.code if number is not None else "",
        row.name,
        row.entrepreneurs,
        row.products,
        row.target_computed,
        _number(row.target_official),
        row.target,
        row.sold_online,
        _number(row.achievement_pct),
        _yes(row.target_met),
        row.sales_round,
        row.sales_baseline,
        _number(row.sales_growth_pct),
        _yes(row.growth_met),
        _status(row.survey_status),
        _yes(row.survey_late),
        be_date(row.survey_updated_at),
        _status(row.report_status),
        _yes(row.report_late),
        be_date(row.report_updated_at),
    ]


def write_dashboard_csv(output: io.TextIOBase, *, round, rows, total, area_label: str) -> None:
    """The table as CSV in UTF-8 with a byte-order mark, so that Excel reads the Thai.

    Every text cell goes through csv_safe: a name starting with "=" is never evaluated.
    """
    output.write(CSV_BOM)
    writer = csv.writer(output)
    writer.writerow(table_headers(round, area_label=area_label))
    for values, _is_total in table_rows(rows, total):
        writer.writerow([csv_safe(v) if isinstance(v, str) else v for v in values])


def dashboard_titles(round, scope_name: str) -> list[str]:
    return [
        _("ผลการดำเนินงานตัวชี้วัดผลิตภัณฑ์ OTOP ในตลาดออนไลน์ (รอบการประเมินที่ %(number)s)")
        % {"number": round.number},
        _("ประจำปีงบประมาณ พ.ศ.%(year)s (เดือน%(period)s)")
        % {"year": round.fiscal_year_id, "period": round.period_label},
        scope_name,
    ]


#: The summary sheet's columns (indexes into the table's) and their widths: what a
#: reader of the printed page looks for, on one A4 landscape page width.
SUMMARY_COLUMNS = [0, 2, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18]
SUMMARY_WIDTHS = [6, 22, 12, 14, 12, 11, 17, 17, 12, 12, 16, 16]


def write_dashboard_xlsx(output, *, round, scope_name: str, rows, total, area_label: str) -> None:
    """The table as a workbook in the department's look: a summary that prints on A4
    landscape (sheet 1), then every column of the table (sheet 2). A province has a few
    dozen rows and the country 77, so the workbook is written in normal mode."""
    headers = table_headers(round, area_label=area_label)
    table = list(table_rows(rows, total))
    w = FormWriter(output, sheet_name=_("สรุปผลการดำเนินงาน"), constant_memory=False)
    footer = print_footer(round, scope_name)
    pick = SUMMARY_COLUMNS
    _write_table(
        w,
        titles=dashboard_titles(round, scope_name),
        headers=[headers[c] for c in pick],
        widths=SUMMARY_WIDTHS,
        formats=[TABLE_FORMATS[c] for c in pick],
        rows=[([values[c] for c in pick], is_total) for values, is_total in table],
        footer=footer,
    )
    w.add_sheet(_("ผลการดำเนินงาน"))
    _write_table(
        w,
        titles=dashboard_titles(round, scope_name),
        headers=headers,
        widths=TABLE_WIDTHS,
        formats=TABLE_FORMATS,
        rows=table,
        footer=footer,
    )
    w.sheet.freeze_panes(4, 3)
    w.close()


def print_table(round, *, scope_name: str, rows, total, area_label: str) -> dict:
    """The dashboard's summary for the browser's print view (districts/province_print.html):
    the summary sheet's titles, columns and rows, each cell with its format's name."""
    headers = table_headers(round, area_label=area_label)
    pick = SUMMARY_COLUMNS
    formats = [TABLE_FORMATS[c] for c in pick]
    return {
        "titles": dashboard_titles(round, scope_name),
        "headers": [headers[c] for c in pick],
        "rows": [
            ([(values[c], fmt) for c, fmt in zip(pick, formats, strict=True)], is_total)
            for values, is_total in table_rows(rows, total)
        ],
    }


def _write_table(w: FormWriter, *, titles, headers, widths, formats, rows, footer) -> None:
    w.widths(widths)
    w.footer(*footer)
    last = len(headers) - 1
    for index, text in enumerate(titles):
        w.set_height(index, w.cell_height(text, 0, last, size=16))
        w.merge(index, 0, index, last, text, "title")
    w.print_titles(3, 3)
    w.fit_row(3, headers)
    w.row(3, headers, "header")
    r = 4
    for values, is_total in rows:
        fmts = [_total_format(f) for f in formats] if is_total else formats
        w.fit_row(r, [v if f == "text" else None for v, f in zip(values, formats, strict=True)])
        w.row(r, values, fmts)
        r += 1


def _total_format(fmt: str) -> str:
    """The bold variant of a column's format for the total row."""
    return {"whole": "total_whole", "money": "total_money"}.get(fmt, "total_label")


# ---------------------------------------------------------------------------
# Attachment 1 with progress on a second sheet
# ---------------------------------------------------------------------------

PROGRESS_HEADERS = [
    "ที่",
    "อำเภอ",
    "เป้าหมายตัวชี้วัด",
    "ขายออนไลน์แล้ว (ผลิตภัณฑ์)",
    "ร้อยละของเป้าหมาย",
    "บรรลุเป้าหมาย",
    "ยอดจำหน่ายออนไลน์รอบนี้ (บาท)",
    "ยอดจำหน่ายช่วงเดียวกันของปีก่อน (บาท)",
    "ร้อยละการเติบโต",
    "เติบโตถึงเกณฑ์",
    "สถานะแบบสำรวจ",
    "สถานะแบบรายงานผล",
]
PROGRESS_FORMATS = [
    "center",
    "text",
    "whole",
    "whole",
    "percent",
    "center",
    "money",
    "money",
    "percent",
    "center",
    "text",
    "text",
]


def write_targets_progress(output, *, round, province, kpi) -> None:
    """Attachment 1 exactly as the department lays it out (sheet 1), then the same
    districts' progress (sheet 2): sold online against the target, revenue growth
    against the round's rate, and the state of both forms.

    Both sheets are the department's (the province sends them on): they are Thai whatever
    the user's language, while the dashboard's own table follows the page's language.
    """
    with translation.override("th"):
        _write_targets_progress(output, round=round, province=province, kpi=kpi)


def _write_targets_progress(output, *, round, province, kpi) -> None:
    rows, total = kpi.rows, kpi.total
    # A few dozen rows: the normal mode lets merges be written in any order.
    w = FormWriter(output, sheet_name="เป้าหมายตัวชี้วัด", constant_memory=False)
    footer = print_footer(round, f"จังหวัด{province.name_th}")
    w.footer(*footer)
    _write_attachment1(w, round=round, province=province, rows=rows, total=total)

    w.add_sheet("ความก้าวหน้า")
    w.footer(*footer)
    _write_progress(w, round=round, province=province, rows=rows, total=total)
    w.close()


def _write_attachment1(w: FormWriter, *, round, province, rows, total) -> None:
    w.widths([6, 22, 17, 19, 22, 30])
    attachment1.fit_heights(w, round, province, rows)
    for index, text in enumerate(attachment1.titles(round, province)):
        w.merge(index, 0, index, 5, text, "title")
    w.merge(3, 0, 4, 0, attachment1.H_NUMBER, "header")
    w.merge(3, 1, 4, 1, attachment1.H_DISTRICT, "header")
    w.merge(3, 2, 3, 3, attachment1.H_BASE, "header")
    w.merge(3, 4, 4, 4, attachment1.target_header(round), "header")
    w.merge(3, 5, 4, 5, attachment1.H_NOTE, "header")
    w.put(4, 2, attachment1.H_ENTREPRENEURS, "header")
    w.put(4, 3, attachment1.H_PRODUCTS, "header")
    w.print_titles(3, 4)
    r = 5
    for number, row in enumerate(rows, start=1):
        w.row(
            r,
            [
                number,
                row.name,
                row.entrepreneurs,
                row.products,
                row.target,
                attachment1.row_note(row, round),
            ],
            ["center", "text", "whole", "whole", "whole", "text"],
        )
        r += 1
    w.merge(r, 0, r, 1, attachment1.TOTAL_LABEL, "total_label")
    w.put(r, 2, total.entrepreneurs, "total_whole")
    w.put(r, 3, total.products, "total_whole")
    w.put(r, 4, total.target, "total_whole")
    w.put(r, 5, "", "total_label")
    for line in attachment1.footnotes(round):
        r += 1
        w.put(r, 0, line, "note")


def _write_progress(w: FormWriter, *, round, province, rows, total) -> None:
    w.widths([6, 22, 14, 16, 14, 12, 20, 20, 14, 14, 18, 18])
    last = len(PROGRESS_HEADERS) - 1
    titles = [
        f"ความก้าวหน้าตัวชี้วัดผลิตภัณฑ์ OTOP ในตลาดออนไลน์ (รอบการประเมินที่ {round.number})",
        f"ประจำปีงบประมาณ พ.ศ.{round.fiscal_year_id} (เดือน{round.period_label_th})",
        f"จังหวัด {province.name_th}",
    ]
    for index, text in enumerate(titles):
        w.set_height(index, w.cell_height(text, 0, last, size=16))
        w.merge(index, 0, index, last, text, "title")
    headers = list(PROGRESS_HEADERS)
    headers[9] = f"เติบโตถึงร้อยละ {attachment1.rate_label(round.growth_rate)}"
    w.print_titles(3, 3)
    w.fit_row(3, headers)
    w.row(3, headers, "header")
    r = 4
    for number, row in enumerate(rows, start=1):
        values = _progress_values(row, number)
        w.fit_row(
            r, [v if f == "text" else None for v, f in zip(values, PROGRESS_FORMATS, strict=True)]
        )
        w.row(r, values, PROGRESS_FORMATS)
        r += 1
    w.set_height(r, w.cell_height("", 0))
    values = _progress_values(total, None)
    w.merge(r, 0, r, 1, attachment1.TOTAL_LABEL, "total_label")
    for col in range(2, len(values)):
        w.put(r, col, values[col], _total_format(PROGRESS_FORMATS[col]))


def _progress_values(row, number: int | None) -> list:
    return [
        number,
        row.name,
        row.target,
        row.sold_online,
        _number(row.achievement_pct),
        _yes(row.target_met),
        row.sales_round,
        row.sales_baseline,
        _number(row.sales_growth_pct),
        _yes(row.growth_met),
        _status(row.survey_status),
        _status(row.report_status),
    ]
