"""A marked-up copy of a refused workbook: each problem cell filled and commented.

The officer fixes the same file and uploads it again, instead of matching a list of
cell names against the workbook. An .xlsx is loaded with openpyxl and keeps its own
layout, styles and formulas; the marks are a fill and a comment with the reason on each
problem's cell. An .xls, .ods or .csv cannot be written back as it came, so the copy is
a fresh .xlsx of its cell values (as the portal read them) with the same marks. A problem
without a cell (a whole row, the whole file) is commented on the row's first cell or on
A1 of its sheet.

The file has already passed the upload check and the reader by the time it is refused
(a zip bomb or a broken file is refused before any reading), so it is safe to open here.
"""

from __future__ import annotations

import io
import threading
from collections import defaultdict
from contextlib import contextmanager

from django.utils.translation import gettext_lazy as _

from otop_portal.refusal import as_problem
from otop_portal.spreadsheet import SpreadsheetError, Workbook, open_workbook, sniff

#: The fill of a problem cell (Excel's "bad" red) and the comments' author.
FILL_COLOR = "FFC7CE"
COMMENT_AUTHOR = "OTOP portal"
MSG_MARKED_SHEET = _("ค่าที่อ่านได้")

# Sheet names of a fresh copy are cut to Excel's limit.
SHEET_NAME_LIMIT = 31

_merge_lock = threading.Lock()


@contextmanager
def _merged_ranges_as_they_are():
    """Load merged ranges without openpyxl restyling their edges.

    On loading, openpyxl copies each merged range's border onto its edge cells, which
    takes four fifths of the time on the portal's forms (a 600-product survey has 2,100
    merged ranges: 2.4 s, against 0.56 s without). The edge cells keep the styles the
    file gives them, which is what the officer's copy should show anyway. The class is
    patched only for the load, one load at a time; only borders of another workbook
    loaded at that moment could differ, and the portal reads its uploads with calamine.
    """
    # openpyxl is slow to import (70 ms); only refusals need it.
    from openpyxl.worksheet.merge import MergedCellRange

    with _merge_lock:
        original = MergedCellRange.format
        MergedCellRange.format = lambda self: None
        try:
            yield
        finally:
            MergedCellRange.format = original


def problems_workbook_write(out, *, data: bytes, problems, name: str = "") -> int:
    """Write the marked-up copy of the workbook `data` to `out` (a path or a binary
    file); return how many cells carry a mark. `problems` are Problems or their dicts."""
    # openpyxl is slow to import (70 ms); only refusals need it.
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    book = _load(data, name)
    marks: dict[tuple[str, str], list[str]] = defaultdict(list)
    first = book.worksheets[0].title
    for problem in map(as_problem, problems):
        sheet = problem.sheet if problem.sheet in book.sheetnames else first
        if problem.row is None:
            cell = "A1"
        else:
            cell = f"{problem.column or 'A'}{problem.row}"
        marks[(sheet, cell)].append(str(problem.message))
    fill = PatternFill("solid", fgColor=FILL_COLOR, bgColor=FILL_COLOR)
    for (sheet, ref), messages in marks.items():
        cell = _writable(book[sheet], ref)
        text = "\n".join(dict.fromkeys(messages))
        comment = Comment(text, COMMENT_AUTHOR)
        comment.width, comment.height = 320, min(60 + 40 * len(messages), 400)
        cell.comment = comment
        cell.fill = fill
    book.save(out)
    return len(marks)


def _load(data: bytes, name: str):
    """The workbook to mark: the .xlsx itself, or a fresh copy of another kind's values."""
    # openpyxl is slow to import (70 ms); only refusals need it.
    import openpyxl

    kind = sniff(data)
    if kind == "xlsx":
        try:
            with _merged_ranges_as_they_are():
                return openpyxl.load_workbook(io.BytesIO(data), rich_text=True)
        except Exception:  # openpyxl refuses some files calamine reads: copy the values
            pass
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in _read(data, name).sheets:
        title = (sheet.name or str(MSG_MARKED_SHEET))[:SHEET_NAME_LIMIT]
        ws = book.create_sheet(title)
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r, column=c, value=_value(value))
                if isinstance(value, str):
                    cell.data_type = "s"  # a value as it was read, never a formula to run
    if not book.worksheets:
        book.create_sheet(str(MSG_MARKED_SHEET))
    return book


def _read(data: bytes, name: str):
    try:
        return open_workbook(io.BytesIO(data), name=name)
    except SpreadsheetError:
        return Workbook("", [])


def _value(value):
    """A cell value openpyxl writes as it is: text, a number, a date; else its text."""
    if isinstance(value, (str, int, float)) or hasattr(value, "isoformat"):
        return value
    return str(value)


def _writable(ws, ref: str):
    """The cell at ref, or the top-left cell of the merged range that covers it (a
    merged cell takes no comment)."""
    cell = ws[ref]
    if type(cell).__name__ != "MergedCell":
        return cell
    for merged in ws.merged_cells.ranges:
        if ref in merged:
            return ws.cell(row=merged.min_row, column=merged.min_col)
    return cell
