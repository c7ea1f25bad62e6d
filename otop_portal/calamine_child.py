"""The readers of otop_portal.bounded: python-calamine reading one workbook each (or
odfpy, for an .ods that calamine cannot read), in processes that import neither Django
nor the portal.

Run as `python -m otop_portal.calamine_child FD`, this module is a zygote (`zygote`):
it loads calamine once, then forks a reader for each workbook its parent asks for on
the socket FD. A fork takes about a millisecond where a new interpreter took thirty
(issue #19). Each reader runs under the address-space limit its parent gives it, so
that a workbook that makes calamine ask for more memory than a check foresaw ends that
reader, not a server worker. A reader (`serve`) reads the workbook's size (8 bytes) and
content from its input pipe, then answers requests, each a pickled tuple, with pickled
tuples on its output pipe:

- ("sheets",) -> ("sheets", [(name, visible), ...]);
- ("head", name, nrows) -> ("rows", rows, height): the first rows at their real
  positions, and the number of rows of the sheet;
- ("all", name) -> ("rows", rows): every row at its real position;
- ("stream", name, first) -> ("rows", batch)... then ("end", height): the rows, one
  batch at a time; `first` is the head the parent has already seen (iter_rows is used
  when it gives the same first rows, to_python otherwise, as the registry reader did);
- any failure -> ("error", type name, text).

When its parent asks for CSV, the content is CSV text (UTF-8, or Thai Windows-874),
read with Python's csv module as one sheet named "csv", each row as long as it is.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import os
import pickle
import resource
import signal
import socket
import sys
import zipfile

from python_calamine import CalamineWorkbook

BATCH = 5000


def _send(out, message) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def _stream(sheet, first: list[list], out) -> None:
    rows = sheet.iter_rows()
    taken = [list(r) for r in itertools.islice(rows, len(first))]
    if taken != first:
        rows = iter(sheet.to_python(skip_empty_area=False))
        taken = [list(r) for r in itertools.islice(rows, len(first))]
    batch = taken
    # Equal texts of a batch are sent as one object: pickle writes a repeat as a
    # reference to the first, so a registry's district, subdistrict, province and type
    # columns cross the pipe once per batch, not once per row. At 200,000 rows the stream
    # is a quarter of the size (20 MB instead of 81) and the parent, which decodes each
    # text once, unpickles it in about half the time and keeps one copy of each text.
    # The cache lives for one batch, so the child's memory stays bounded.
    texts: dict[str, str] = {}
    for row in rows:
        batch.append([texts.setdefault(v, v) if type(v) is str else v for v in row])
        if len(batch) >= BATCH:
            _send(out, ("rows", batch))
            batch = []
            texts.clear()
    if batch:
        _send(out, ("rows", batch))
    _send(out, ("end", (sheet.end or (0, 0))[0] + 1))


class _OdfSheet:
    """A table read by odfpy, with the part of calamine's sheet interface used here."""

    def __init__(self, rows: list[list]):
        self.rows = rows
        self.end = (len(rows) - 1, max(map(len, rows), default=1) - 1) if rows else None

    def to_python(self, skip_empty_area=False, nrows=None):
        return self.rows if nrows is None else self.rows[:nrows]

    def iter_rows(self):
        return iter(self.rows)


class _Meta:
    def __init__(self, name: str):
        self.name, self.visible = name, "SheetVisible.Visible"


class OdfBook:
    """An .ods read with odfpy, where calamine fails on a file that LibreOffice opens
    (SheetJS writes whitespace between cells, which calamine 0.9 refuses). Cells are
    read as calamine reads them: numbers as floats, dates as dates, text as text (its
    paragraphs joined by new lines), empty as "", rows at their real positions and as
    wide as the widest. A repeat of empty rows or cells at the end is not expanded."""

    def __init__(self, data: bytes):
        # odfpy is loaded only for the rare .ods that calamine cannot read.
        from odf import opendocument, table, text

        document = opendocument.load(io.BytesIO(data))
        self.sheets = {}
        for found in document.topnode.getElementsByType(table.Table):
            rows: list[list] = []
            for row in found.getElementsByType(table.TableRow):
                cells: list = []
                for cell in row.childNodes:
                    if cell.nodeType != cell.ELEMENT_NODE or cell.qname[1] not in (
                        "table-cell",
                        "covered-table-cell",
                    ):
                        continue
                    value = _odf_value(cell, text)
                    repeat = int(cell.getAttribute("numbercolumnsrepeated") or 1)
                    if value == "":
                        cells.append(("", repeat))
                    else:
                        cells.extend([(value, 1)] * repeat)
                while cells and cells[-1][0] == "":
                    cells.pop()
                values = [v for v, n in cells for _ in range(n)]
                repeat = int(row.getAttribute("numberrowsrepeated") or 1)
                rows.append((values, repeat))
            while rows and not rows[-1][0]:
                rows.pop()
            expanded = [list(v) for v, n in rows for _ in range(n)]
            width = max(map(len, expanded), default=0)
            for values in expanded:
                values.extend([""] * (width - len(values)))
            self.sheets[found.getAttribute("name")] = _OdfSheet(expanded)
        self.sheets_metadata = [_Meta(name) for name in self.sheets]

    def get_sheet_by_name(self, name: str) -> _OdfSheet:
        return self.sheets[name]


class CsvBook:
    """CSV text as one sheet, "csv", read as django-import-export's tablib reads it."""

    def __init__(self, data: bytes):
        for encoding in ("utf-8-sig", "cp874"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                if encoding == "cp874":
                    raise
        rows = [list(row) for row in csv.reader(io.StringIO(text))]
        self.sheet = _OdfSheet(rows)
        self.sheets_metadata = [_Meta("csv")]

    def get_sheet_by_name(self, name: str) -> _OdfSheet:
        return self.sheet


def _odf_value(cell, text):

    kind = cell.getAttribute("valuetype")
    if kind in ("float", "percentage", "currency"):
        return float(cell.getAttribute("value"))
    if kind == "boolean":
        return cell.getAttribute("booleanvalue") == "true"
    if kind == "date":
        value = cell.getAttribute("datevalue")
        parsed = datetime.datetime.fromisoformat(value)
        return parsed if "T" in value else parsed.date()
    paragraphs = cell.getElementsByType(text.P)
    return "\n".join(_odf_text(p) for p in paragraphs)


def _odf_text(node) -> str:
    """A paragraph's text, spaces (text:s) included."""
    parts = []
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            parts.append(str(child.data))
        elif child.qname[1] == "s":
            parts.append(" " * int(child.getAttribute("c") or 1))
        elif child.qname[1] == "tab":
            parts.append("\t")
        else:
            parts.append(_odf_text(child))
    return "".join(parts)


def _is_ods(data: bytes) -> bool:

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet")
    except (KeyError, zipfile.BadZipFile):
        return False


def serve(limit: int, csv_text: bool, source, out) -> None:
    """Read one workbook from `source` and answer requests about it on `out` (see the
    module's docstring), under an address space of `limit` bytes."""
    # The address space this process may use, before calamine reads anything.
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    size = int.from_bytes(source.read(8), "little")
    data = source.read(size)
    try:
        book = CsvBook(data) if csv_text else None
        book = book or CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # every failure goes to the parent, which words it
        book = None
        failure = ("error", type(exc).__name__, str(exc)[:500])
    if _is_ods(data):
        # calamine may open an .ods and fail on its sheets: try them all first.
        try:
            for meta in book.sheets_metadata if book is not None else ():
                book.get_sheet_by_name(meta.name)
        except Exception as exc:  # the fallback below, or the parent words it
            book, failure = None, ("error", type(exc).__name__, str(exc)[:500])
        if book is None:
            try:
                book = OdfBook(data)
            except Exception:  # the parent words calamine's failure
                pass
    if book is None:
        _send(out, failure)
        return
    del data
    loaded = {}

    def sheet(name):
        # Each get_sheet_by_name parses the sheet again: the head and the stream of a
        # sheet share one parse, as they did in the parent.
        if name not in loaded:
            loaded.clear()
            loaded[name] = book.get_sheet_by_name(name)
        return loaded[name]

    while True:
        try:
            request = pickle.load(source)
        except EOFError:
            return
        try:
            if request[0] == "sheets":
                _send(
                    out,
                    (
                        "sheets",
                        [
                            (m.name, str(m.visible).endswith("Visible"))
                            for m in book.sheets_metadata
                        ],
                    ),
                )
            elif request[0] == "head":
                found = sheet(request[1])
                rows = found.to_python(skip_empty_area=False, nrows=request[2])
                _send(out, ("rows", [list(r) for r in rows], (found.end or (0, 0))[0] + 1))
            elif request[0] == "all":
                rows = sheet(request[1]).to_python(skip_empty_area=False)
                _send(out, ("rows", [list(r) for r in rows]))
            elif request[0] == "stream":
                _stream(sheet(request[1]), request[2], out)
        except Exception as exc:  # every failure goes to the parent, which words it
            _send(out, ("error", type(exc).__name__, str(exc)[:500]))


def zygote(control: socket.socket) -> None:
    """Fork a reader for each request of the parent on `control`, from this process in
    which python-calamine is already loaded: a fork takes about a millisecond where a new
    interpreter takes thirty (issue #19). Each request is ("start", limit, csv) with the
    two ends of the reader's pipes, answered with a number that names the reader and its
    process id; then ("end", number) ends it (killed if it still runs) and reaps it.

    The readers are reaped here and nowhere else, so a number never names another
    process; one that ended by itself (its parent dropped it without ending it) is
    reaped at the next request, so none stays a zombie. The zygote ends when the parent
    closes its end of `control` (or ends)."""
    readers: dict[int, int] = {}
    numbers = itertools.count(1)
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(control, 4096, 2)
        except OSError:
            return
        if not message:
            return
        request = pickle.loads(message)
        for number, pid in list(readers.items()):
            if os.waitpid(pid, os.WNOHANG)[0]:
                del readers[number]
        if request[0] == "start":
            pid = os.fork()
            if pid == 0:
                try:
                    control.close()
                    with open(fds[0], "rb") as source, open(fds[1], "wb") as out:
                        serve(request[1], request[2], source, out)
                finally:
                    os._exit(0)
            for fd in fds:
                os.close(fd)
            number = next(numbers)
            readers[number] = pid
            answer = (number, pid)
        else:  # ("end", number)
            pid = readers.pop(request[1], None)
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:  # cannot happen before the reap below
                    pass
                os.waitpid(pid, 0)
            answer = None
        control.sendall(pickle.dumps(answer))


if __name__ == "__main__":
    zygote(socket.socket(fileno=int(sys.argv[1])))
