"""Writing workbooks in the department's look.

All three attachments share one look (docs/forms.md, "What all three share"): one sheet, A4
landscape, one page wide, the header rows repeated on every printed page, gridlines on
data cells, TH SarabunPSK 16 pt in titles and 14 pt in tables. FormWriter gives every
exporter those formats, and writes with xlsxwriter in constant_memory mode so that a
country-sized file streams through a few megabytes of memory.

In constant_memory mode rows must be written in order and a merge must be issued
before any row it touches is written (xlsxwriter issue #367): write top to bottom.
Text is always written as a string cell, so a name that starts with "=" stays text.
"""

from __future__ import annotations

import struct
import tempfile
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
        if constant_memory:
            # xlsxwriter keeps the merged ranges until it writes <mergeCells> after the
            # rows; a country's attachment 2 has 750,000 of them. Kept on disk instead.
            self.sheet.merge = SpooledRanges()
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

    def merge_down(self, first_row: int, col: int, last_row: int) -> None:
        """Register a vertical merge of one column, unformatted and unpadded (as merge).

        For the data rows of a country's form, written strictly top-down, where no
        merge can overlap another: xlsxwriter's merge_range would also record every
        cell of the range to check for overlaps (about 200 bytes a cell, 340 MB for a
        country's attachment 2), which its constant_memory mode never frees.
        """
        sheet = self.sheet
        if sheet._check_dimensions(first_row, col) or sheet._check_dimensions(last_row, col):
            raise ValueError(f"merge outside the sheet: {first_row}, {col}, {last_row}")
        sheet.merge.append((first_row, col, last_row, col))

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
        if isinstance(self.sheet.merge, SpooledRanges):
            self.sheet.merge.close()


class SpooledRanges:
    """A list of merged ranges (first_row, first_col, last_row, last_col) kept in a
    temporary file, 16 bytes each, for xlsxwriter's Worksheet.merge: it only appends to
    it, takes its len() and iterates over it once, when the sheet is closed."""

    _FORMAT = struct.Struct("<4I")

    def __init__(self):
        self._file = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
        self._count = 0

    def append(self, cell_range) -> None:
        self._file.write(self._FORMAT.pack(*cell_range))
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        self._file.close()

    def __iter__(self):
        self._file.seek(0)
        size = self._FORMAT.size * 4096
        while chunk := self._file.read(size):
            yield from self._FORMAT.iter_unpack(chunk)
        self._file.seek(0, 2)
