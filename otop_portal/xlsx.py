"""Writing workbooks in the department's look.

All three attachments share one look (docs/forms.md, "What all three share"): one sheet, A4
landscape, one page wide, the header rows repeated on every printed page, gridlines on
data cells, TH SarabunPSK 16 pt in titles and 14 pt in tables. FormWriter gives every
exporter those formats, and writes with xlsxwriter in constant_memory mode so that a
country-sized file streams through a few megabytes of memory.

In constant_memory mode rows must be written in order and a merge must be issued
before any row it touches is written (xlsxwriter issue #367): write top to bottom. The
data rows go through stream_row, which writes a row's XML itself, as xlsxwriter writes
it (tests/otop_portal/test_xlsx.py compares the files byte for byte); it uses a few of
xlsxwriter's internals (and writes cell by cell when they are missing), and
pyproject.toml keeps xlsxwriter below its next major version.
Text is always written as a string cell, so a name that starts with "=" stays text.

Printing (issue #16). Excel never auto-fits the height of a row that holds merged cells,
and LibreOffice auto-fits only rows without a height, so a form that leaves heights to the
reader prints wrapped text over the next row. FormWriter therefore measures the text of
each row (text_lines, from the glyph widths below and the column widths) and every writer
sets every row's height as it writes it, which also works in streaming mode. It keeps the
running height of the rows to know where LibreOffice and Excel will break the pages, so a
signature block can be moved whole to a new page (keep_together).
"""

from __future__ import annotations

import math
import os
import re
import struct
import tempfile
from decimal import Decimal
from functools import lru_cache

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name

FONT = "TH SarabunPSK"
MONEY = "#,##0.00"
WHOLE = "#,##0"

# Advance widths in thousandths of an em of Laksaman (fonts-thai-tlwg), which LibreOffice
# prints for TH SarabunPSK; the wider of its regular and bold faces, rounded up to 25.
# TH SarabunPSK itself is narrower, so a row measured with these fits in Excel too.
# Thai vowels and tone marks above and below the line take no width.
_GLYPH_WIDTHS = {
    0: "ัิีึืฺุู็่้๊๋์ํ๎",
    250: "Ii",
    275: "!',.:;j|",
    325: "`lเๅ",
    350: " -",
    375: "()[]r",
    400: "ft{}โไ‘’",
    425: "/J\\ใ",
    450: '"?s',
    500: "gงร",
    525: "*ckxาำ",
    550: "EFLSvyzธะ–",
    575: "$0123456789_aฐว",
    600: "BPRYeกจถยฤลสอฮฯแ“”",
    625: "Koขคฅฉชดตผฝศ฿",
    650: "+<=>CTVX^hnpqu~ฃซฎฏภมฦ",
    675: "bdทนบปหๆ",
    700: "#ADGZฆษ๏๐๑๒๓๔๕๖๗๘๙",
    725: "HNUพฟฬ",
    750: "&ฑ",
    775: "w…",
    800: "OQ๚",
    850: "ฌญฒ",
    875: "@Mณ",
    925: "W",
    975: "m",
    1050: "%๛",
    1100: "—",
}
_WIDTH_OF = {char: width / 1000 for width, chars in _GLYPH_WIDTHS.items() for char in chars}
_OTHER_WIDTH = 0.7  # a character not in the table: as wide as a Thai digit
# A line of Thai in TH SarabunPSK (and Laksaman) needs about 1.3 times the point size,
# its marks stacked above and below; a little more leaves room for Excel, which draws
# TH SarabunPSK a little taller.
LINE_HEIGHT = 1.35
ROW_PADDING = 2.0  # points above and below the text in a cell
# Wrapping breaks between words, so a line is never quite full.
WRAP_SLACK = 1.08
A4_POINTS = (595.3, 841.9)  # portrait width, height
# Text that FormWriter.stream_row cannot write as it is: XML's special characters, the
# control characters and "_xHHHH_" (xlsxwriter writes them as _xHHHH_ escapes), and
# whitespace at either end (xlsxwriter adds xml:space="preserve"). A row with such text,
# or text long enough to be cut, goes through xlsxwriter cell by cell.
_NOT_PLAIN = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s\Z")
_PLAIN_MAX = 16383  # half of Excel's 32,767 UTF-16 units: never cut
_NUMBERS = (int, float, Decimal, bool)
#: FormWriter.close packages a book whose rows take less than this in memory: any one
#: district's form (the largest district's survey rows take about 1 MB), not a
#: province's or the country's.
IN_MEMORY_PACKAGE_MAX_BYTES = 4 * 1024 * 1024
_XLSXWRITER_INTERNALS = (
    "previous_row",
    "_write_single_row",
    "_write_row",
    "row_info",
    "row_sizes",
    "_check_dimensions",
    "fh",
)


@lru_cache(maxsize=16384)
def text_ems(text: str) -> float:
    """The width of one line of text in ems of the form's font."""
    get = _WIDTH_OF.get
    return sum(get(char, _OTHER_WIDTH) for char in text)


def column_points(width: float) -> float:
    """The printed width of a column set to `width` characters (of Calibri 11, the
    workbook's default font): Excel's width+5 pixels at 96 dpi, less the cell's inner
    margins."""
    return (width * 7 + 5) * 0.75 - 4


def text_lines(text: str, width_points: float, size: float) -> int:
    """How many lines `text` wraps to in a cell `width_points` wide at `size` points."""
    if not text:
        return 1
    lines = 0
    for paragraph in str(text).split("\n"):
        ems = text_ems(paragraph) * WRAP_SLACK
        lines += max(1, math.ceil(ems * size / max(width_points, 1.0)))
    return lines


def lines_height(lines: int, size: float) -> float:
    return round(lines * size * LINE_HEIGHT + 2 * ROW_PADDING, 1)


@lru_cache(maxsize=16384)
def text_height(text: str, width_points: float, size: float) -> float:
    """The height of a cell `width_points` wide holding `text` wrapped at `size` points.
    Cached: a country's form repeats its types, districts and villages on every row."""
    return lines_height(text_lines(text, width_points, size), size)


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
        self.constant_memory = constant_memory
        self.sheet = self.book.add_worksheet(sheet_name[:31])
        # stream_row writes rows itself with these of xlsxwriter's internals (and a
        # format's number); without them (a later xlsxwriter), it writes cell by cell.
        self._streams = (
            constant_memory
            and all(hasattr(self.sheet, name) for name in _XLSXWRITER_INTERNALS)
            and hasattr(Format, "_get_xf_index")
        )
        if constant_memory:
            # xlsxwriter keeps the merged ranges until it writes <mergeCells> after the
            # rows; a country's attachment 2 has 750,000 of them. Kept on disk instead.
            self.sheet.merge = SpooledRanges()
        if self._streams and hasattr(self.sheet, "_write_merge_cells"):
            self.sheet._write_merge_cells = self._write_merge_cells
        self._page_setup(landscape=True)
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

    def add_sheet(self, name: str, *, landscape: bool = True) -> None:
        """Start another sheet (normal mode only) with the same page setup."""
        self.sheet = self.book.add_worksheet(name[:31])
        self._page_setup(landscape=landscape)

    def _page_setup(self, *, landscape: bool) -> None:
        sheet = self.sheet
        sheet.set_paper(9)  # A4
        if landscape:
            sheet.set_landscape()
        else:
            sheet.set_portrait()
        sheet.fit_to_pages(1, 0)
        sheet.hide_gridlines(0)
        # A wider left margin for binding; room at the bottom for the footer.
        sheet.set_margins(left=0.8, right=0.4, top=0.5, bottom=0.7)
        sheet.center_horizontally()
        self.landscape = landscape
        self.column_widths: list[float] = []
        self._points: list[float] = []
        self._page_points: float | None = None
        self.title_rows: tuple[int, int] | None = None
        self._heights: dict[int, float] = {}
        self._page_used = 0.0  # points of the current page taken, at the sheet's scale
        self._next_row = 0
        self._forgotten = 0
        self._letters: list[str] = []
        self._heads: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        self.page_breaks: list[int] = []

    def footer(self, left: str, right: str = "") -> None:
        """The footer of every printed page: the place and round on the left, the page
        number (หน้า N/M) in the middle, the export date on the right."""
        font = '&"TH SarabunPSK,Regular"&12'

        def escape(text: str) -> str:
            return text.replace("&", "&&")

        self.sheet.set_footer(
            f"&L{font}{escape(left)}&C{font}หน้า &P/&N&R{font}{escape(right)}",
            {"scale_with_doc": False, "align_with_margins": True},
        )

    def widths(self, widths: list[float]) -> None:
        self.column_widths = list(widths)
        self._points = [column_points(width) for width in widths]
        self._page_points = None
        for col, width in enumerate(widths):
            self.sheet.set_column(col, col, width)

    def span_points(self, first_col: int, last_col: int | None = None) -> float:
        """The printed width of columns first_col..last_col (one cell or a merge)."""
        last_col = first_col if last_col is None else last_col
        widths = self.column_widths[first_col : last_col + 1]
        return sum(column_points(width) for width in widths) + 4 * (len(widths) - 1)

    def cell_height(self, text, first_col: int, last_col: int | None = None, *, size=14) -> float:
        """The height a wrapped text needs in a cell (or a horizontal merge)."""
        if text is None or text == "":
            return lines_height(1, size)
        if last_col is None:
            width = self._points[first_col]
        else:
            width = self.span_points(first_col, last_col)
        return text_height(str(text), width, size)

    def fit_row(self, row: int, values, *, size: float = 14, at_least: float = 0.0) -> float:
        """Set the height of `row` for its single-column cells `values` (a list by column,
        or a dict of column: text); returns the height."""
        items = values.items() if isinstance(values, dict) else enumerate(values)
        height = max(
            [at_least, lines_height(1, size)]
            + [self.cell_height(v, col, size=size) for col, v in items if isinstance(v, str)]
        )
        self.set_height(row, height)
        return height

    def set_height(self, row: int, height: float) -> None:
        """Set a row's height; rows are set in order, so the page it lands on is known."""
        self.sheet.set_row(row, height)
        if self.constant_memory:
            self._forget_flushed_rows()
        self._count_height(row, height)

    def _count_height(self, row: int, height: float) -> None:
        for skipped in range(self._next_row, row):
            self._advance(skipped, 15.0)
        if row >= self._next_row:
            self._advance(row, height)
        else:  # a taller height for a row already counted (the last row of a merge)
            self._page_used += height - self._heights.get(row, 15.0)
            self._heights[row] = height

    def _forget_flushed_rows(self) -> None:
        """xlsxwriter keeps every row's height until the sheet is closed, even the rows
        constant_memory has written out: forget those, so a country's form streams."""
        sheet, titles = self.sheet, self.title_rows or (0, -1)
        for row in range(self._forgotten, sheet.previous_row):
            sheet.row_info.pop(row, None)
            sheet.row_sizes.pop(row, None)
            if not titles[0] <= row <= titles[1]:
                self._heights.pop(row, None)
        self._forgotten = max(self._forgotten, sheet.previous_row)

    def _advance(self, row: int, height: float) -> None:
        self._heights[row] = height
        self._next_row = row + 1
        if self._page_used + height > self._page_height() and self._page_used > 0:
            self._page_used = self._titles_height()
        self._page_used += height

    def _titles_height(self) -> float:
        if self.title_rows is None:
            return 0.0
        first, last = self.title_rows
        return sum(self._heights.get(row, 15.0) for row in range(first, last + 1))

    def _page_height(self) -> float:
        """The height a page holds, in the sheet's points: fitting the width to the page
        scales everything down, so a page holds more rows."""
        if self._page_points is None:
            self._page_points = self._measure_page()
        return self._page_points

    def _measure_page(self) -> float:
        portrait_width, portrait_height = A4_POINTS
        width, height = (portrait_height, portrait_width) if self.landscape else A4_POINTS
        printable_width = width - (0.8 + 0.4) * 72
        printable_height = height - (0.5 + 0.7) * 72 - 20  # less the footer's line
        total = sum(column_points(w) + 4 for w in self.column_widths) or printable_width
        scale = min(1.0, printable_width / total)
        # LibreOffice and Excel round the scale and the heights differently: keep a margin.
        return printable_height / scale * 0.93

    def keep_together(self, first_row: int, heights: list[float]) -> None:
        """Break the page before `first_row` when the rows from there (their `heights`)
        would not all fit on the current page: the signature block is never split and
        never printed alone on a page without the end of the table above it."""
        if self._page_used + sum(heights) > self._page_height():
            self.sheet.set_h_pagebreaks([*self.page_breaks, first_row])
            self.page_breaks.append(first_row)
            self._page_used = self._titles_height()

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

    def stream_row(self, row: int, height: float, values: list, fmts: list[str]) -> None:
        """Write the whole row `row`, `height` points high: `values` by column, each in
        its format of `fmts` (FormWriter's names). The same as set_height and a put for
        each cell, for the data rows of the forms (a country's attachment 2 has 200,000
        rows of 16 cells), with a fraction of the work: a district's form of 273 rows
        took 315 M instructions to download, 162 M with this (issue #19).

        In constant_memory mode the row's XML goes straight into xlsxwriter's file of
        rows, as xlsxwriter writes the same calls (tests/otop_portal/test_xlsx.py
        compares the two files byte for byte): xlsxwriter first writes out the row it
        still holds, as a cell written below it would make it do, and writes the row's
        own tag. A row xlsxwriter has already gone past, or a value written otherwise
        than plainly (text to escape, a number that is not finite), goes cell by cell
        through xlsxwriter.
        """
        sheet = self.sheet
        cells = None
        if self._streams and row > sheet.previous_row:
            # What a cell written at `row` makes xlsxwriter do first (and the formats
            # of the row it writes out get their numbers before this row's).
            sheet._write_single_row(row)
            cells = self._plain_cells(row, values, fmts)
        if cells is None:
            self.set_height(row, height)
            for col, value in enumerate(values):
                self.put(row, col, value, fmts[col])
            return
        sheet.set_row(row, height)
        info = sheet.row_info.pop(row)
        sheet.row_sizes.pop(row, None)
        sheet._check_dimensions(row, 0)
        sheet._check_dimensions(row, len(values) - 1)
        sheet._write_row(row, None, info)
        sheet.fh.write(cells)
        sheet.fh.write("</row>")
        self._forget_flushed_rows()
        self._count_height(row, height)

    def _plain_cells(self, row: int, values: list, fmts: list[str]) -> str | None:
        """The <c> elements of a row as xlsxwriter writes them in constant_memory mode,
        or None if a value is not plain."""
        number = str(row + 1)
        heads = self._cell_heads(fmts)
        parts = []
        for col, value in enumerate(values):
            start, style = heads[col]
            head = f"{start}{number}{style}"
            if value is None or value == "":
                parts.append(head + "/>")
            elif value.__class__ is str:
                if len(value) > _PLAIN_MAX or _NOT_PLAIN.search(value):
                    return None
                parts.append(f'{head} t="inlineStr"><is><t>{value}</t></is></c>')
            elif value.__class__ in _NUMBERS:
                value = float(value)
                if not math.isfinite(value):
                    return None
                parts.append(f"{head}><v>{value:.16G}</v></c>")
            else:
                return None
        return "".join(parts)

    def _cell_heads(self, fmts: list[str]) -> list[tuple[str, str]]:
        """The two halves of each cell's opening tag around its row number, for a row in
        the formats `fmts`: made once for each list of formats (issue #19). A format's
        number is its own once xlsxwriter has given it one, here in the same order as
        cell by cell."""
        key = tuple(fmts)
        heads = self._heads.get(key)
        if heads is None:
            letters = self._column_letters(len(fmts))
            heads = self._heads[key] = [
                (f'<c r="{letters[col]}', f'" s="{self.f[name]._get_xf_index()}"')
                for col, name in enumerate(fmts)
            ]
        return heads

    def _column_letters(self, count: int) -> list[str]:
        """The letters of the sheet's columns, at least the first `count` of them."""
        letters = self._letters
        while len(letters) < count:
            letters.append(xl_col_to_name(len(letters)))
        return letters

    def _write_merge_cells(self) -> None:
        """xlsxwriter's <mergeCells> element, the same text, written a few thousand
        ranges at a time instead of one XML call and two cell names each (issue #19:
        district 1001's download took 18.8 ms of CPU, 17.9 ms this way)."""
        sheet = self.sheet
        count = len(sheet.merge)
        if not count:
            return
        parts = [f'<mergeCells count="{count}">']
        for first_row, first_col, last_row, last_col in sheet.merge:
            letters = self._column_letters(max(first_col, last_col) + 1)
            parts.append(
                f'<mergeCell ref="{letters[first_col]}{first_row + 1}:'
                f'{letters[last_col]}{last_row + 1}"/>'
            )
            if len(parts) >= 4096:
                sheet.fh.write("".join(parts))
                parts.clear()
        parts.append("</mergeCells>")
        sheet.fh.write("".join(parts))

    def row(self, row: int, values: list, fmts: list[str] | str = "text") -> None:
        for col, value in enumerate(values):
            fmt = fmts if isinstance(fmts, str) else fmts[col]
            self.put(row, col, value, fmt)

    def print_titles(self, first_row: int, last_row: int) -> None:
        self.sheet.repeat_rows(first_row, last_row)
        self.title_rows = (first_row, last_row)

    def close(self) -> None:
        if self._packs_in_memory():
            self.book.in_memory = True
        self.book.close()
        if isinstance(self.sheet.merge, SpooledRanges):
            self.sheet.merge.close()

    def _packs_in_memory(self) -> bool:
        """Whether the book is small enough to be packaged in memory: its rows written
        so far take less than IN_MEMORY_PACKAGE_MAX_BYTES on disk (constant_memory), or
        are in memory already. xlsxwriter then writes its parts (the sheet, styles,
        theme...) to strings instead of a temporary file each, read back and deleted
        (issue #19: district 1001's download took 22.3 ms of CPU, 18.8 ms in memory).
        xlsxwriter reads `in_memory` when the book is made, where it turns
        constant_memory off, and again when it packages: so it is set here, before
        close(), if this xlsxwriter has it."""
        if not hasattr(self.book, "in_memory"):
            return False
        total = 0
        try:
            for sheet in self.book.worksheets():
                if sheet.constant_memory:
                    if not sheet.row_data_fh_closed:
                        sheet.row_data_fh.flush()
                    total += os.path.getsize(sheet.row_data_filename)
        except (AttributeError, TypeError, OSError):
            return False
        return total < IN_MEMORY_PACKAGE_MAX_BYTES


class SpooledRanges:
    """A list of merged ranges (first_row, first_col, last_row, last_col) kept in a
    temporary file, 16 bytes each, for xlsxwriter's Worksheet.merge: it only appends to
    it, takes its len() and iterates over it once, when the sheet is closed."""

    _FORMAT = struct.Struct("<4I")
    #: Ranges kept in a list before they are written to the file together (issue #19:
    #: one write a range cost a district's download 3% of its instructions).
    BATCH = 4096

    def __init__(self):
        self._file = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
        self._batch: list[tuple] = []
        self._count = 0

    def append(self, cell_range) -> None:
        self._batch.append(cell_range)
        self._count += 1
        if len(self._batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        pack = self._FORMAT.pack
        self._file.write(b"".join([pack(*cell_range) for cell_range in self._batch]))
        self._batch.clear()

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        self._file.close()

    def __iter__(self):
        self._flush()
        self._file.seek(0)
        size = self._FORMAT.size * 4096
        while chunk := self._file.read(size):
            yield from self._FORMAT.iter_unpack(chunk)
        self._file.seek(0, 2)
