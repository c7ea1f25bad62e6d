"""Writing workbooks in the department's look.

All three attachments share one look (TEMPLATES.md, "General rules"): one sheet, A4
landscape, one page wide, the header rows repeated on every printed page, gridlines on
data cells, TH SarabunPSK 16 pt in titles and 14 pt in tables. FormWriter gives every
exporter those formats, and writes with xlsxwriter in constant_memory mode so that a
country-sized file streams through a few megabytes of memory.

In constant_memory mode rows must be written in order and a merge must be issued
before any row it touches is written (xlsxwriter issue #367): write top to bottom.
Text is always written as a string cell, so a name that starts with "=" stays text.
"""

from __future__ import annotations

from decimal import Decimal

import xlsxwriter

FONT = "TH SarabunPSK"
MONEY = "#,##0.00"
WHOLE = "#,##0"


class FormWriter:
    def __init__(self, output, *, sheet_name: str = "Sheet1", constant_memory: bool = True):
        self.book = xlsxwriter.Workbook(
            output,
            {
                "constant_memory": constant_memory,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.sheet = self.book.add_worksheet(sheet_name[:31])
        self.sheet.set_paper(9)  # A4
        self.sheet.set_landscape()
        self.sheet.fit_to_pages(1, 0)
        self.sheet.hide_gridlines(0)
        base = {"font_name": FONT, "font_size": 14, "valign": "vcenter"}
        self.f = {
            "title": self.book.add_format(
                {**base, "font_size": 16, "bold": True, "align": "center"}
            ),
            "title_right": self.book.add_format({**base, "font_size": 16, "align": "right"}),
            "header": self.book.add_format(
                {**base, "bold": True, "align": "center", "text_wrap": True, "border": 1}
            ),
            "text": self.book.add_format({**base, "border": 1, "text_wrap": True}),
            "center": self.book.add_format({**base, "border": 1, "align": "center"}),
            "whole": self.book.add_format({**base, "border": 1, "num_format": WHOLE}),
            "money": self.book.add_format({**base, "border": 1, "num_format": MONEY}),
            "total_label": self.book.add_format(
                {**base, "bold": True, "border": 1, "align": "center"}
            ),
            "total_whole": self.book.add_format(
                {**base, "bold": True, "border": 1, "num_format": WHOLE}
            ),
            "total_money": self.book.add_format(
                {**base, "bold": True, "border": 1, "num_format": MONEY}
            ),
            "note": self.book.add_format({**base}),
            "percent": self.book.add_format({**base, "border": 1, "num_format": "0.00"}),
        }

    def widths(self, widths: list[float]) -> None:
        for col, width in enumerate(widths):
            self.sheet.set_column(col, col, width)

    def merge(self, first_row, first_col, last_row, last_col, value, fmt: str) -> None:
        """Register a merged range and write its first cell.

        The range is registered with no format: xlsxwriter then writes nothing for its
        other cells, because in constant_memory mode writing a lower row flushes the
        first row and silently drops its value and any later merge on it (issue #367).
        The caller writes the range's other cells (for their borders) in row order.
        """
        self.sheet.merge_range(first_row, first_col, last_row, last_col, "", None)
        self.put(first_row, first_col, value, fmt)

    def put(self, row: int, col: int, value, fmt: str = "text") -> None:
        """Write one cell; text is always a string cell, numbers are numbers."""
        style = self.f[fmt]
        if value is None or value == "":
            self.sheet.write_blank(row, col, None, style)
        elif isinstance(value, bool):
            self.sheet.write_number(row, col, int(value), style)
        elif isinstance(value, (int, float, Decimal)):
            self.sheet.write_number(row, col, float(value), style)
        else:
            self.sheet.write_string(row, col, str(value), style)

    def row(self, row: int, values: list, fmts: list[str] | str = "text") -> None:
        for col, value in enumerate(values):
            fmt = fmts if isinstance(fmts, str) else fmts[col]
            self.put(row, col, value, fmt)

    def print_titles(self, first_row: int, last_row: int) -> None:
        self.sheet.repeat_rows(first_row, last_row)

    def close(self) -> None:
        self.book.close()
