"""Hostile workbooks, made in the tests (no committed blobs): each is small on disk and
would make python-calamine allocate gigabytes, or abort the process, if the reader
opened it unchecked (issue #14).

- `renamed_far_part`: a sheet with values in A1 and XFD1048576, in a part that is not
  under xl/worksheets/ (other/sheet1.XML), found through workbook.xml.rels;
- `shared_part`: 50 sheets that all point at one part of 10,000 cells;
- `xls_far_corner`: an .xls whose sheets have a cell in IV65536 (each sheet is 16.7
  million cells for the reader), `sheets` of them sharing one substream;
- `ods_far_corner`: an .ods with a value in A1 and one a million rows and 16,000
  columns away, written with repeat counts;
- `huge_shared_strings`: an .xlsx whose shared-strings table unpacks to `size` bytes;
- `password_protected`: an OLE container with an "EncryptedPackage" stream, as Excel
  saves a workbook with a password.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "libreoffice"


def _xlsx_with_far_cell() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet("Sheet1")
    sheet.write(0, 0, "รหัส")
    sheet.write(1048575, 16383, "x")
    book.close()
    return out.getvalue()


def _rebuild(data: bytes, change) -> bytes:
    """The zip with its members passed through change(name, content) -> {name: content}."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for name in zin.namelist():
            for new_name, content in change(name, zin.read(name)).items():
                zout.writestr(new_name, content)
    return out.getvalue()


def renamed_far_part() -> bytes:
    """Values in A1 and XFD1048576 in other/sheet1.XML (1.5 KB)."""

    def change(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return {"other/sheet1.XML": content}
        if name == "xl/_rels/workbook.xml.rels":
            return {name: content.replace(b"worksheets/sheet1.xml", b"/other/sheet1.XML")}
        return {name: content}

    return _rebuild(_xlsx_with_far_cell(), change)


def shared_part(sheets: int = 50, rows: int = 100, cols: int = 100) -> bytes:
    """`sheets` sheets that all point at one part of rows x cols numbers."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet("Sheet1")
    for r in range(rows):
        for c in range(cols):
            sheet.write_number(r, c, r + c)
    book.close()
    ns = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    entries = b"".join(
        b'<sheet name="S%d" sheetId="%d" r:id="rId1"/>' % (i, i + 1) for i in range(sheets)
    )

    def change(name, content):
        if name == "xl/workbook.xml":
            start, end = content.index(b"<sheets>"), content.index(b"</sheets>")
            content = content[: start + 8] + entries + content[end:]
            if ns not in content:
                content = content.replace(b"<workbook ", b"<workbook " + ns + b" ", 1)
        return {name: content}

    return _rebuild(out.getvalue(), change)


_BIFF_CELLS = {0x0203, 0x00FD, 0x027E, 0x0204, 0x0006, 0x0205}


def xls_far_corner(sheets: int = 5) -> bytes:
    """The LibreOffice .xls of a report with a cell moved to IV65536 and its first
    `sheets` sheets (as many as it has) pointing at the first sheet's substream. Made by
    editing records in place, so the container keeps its layout."""
    import olefile

    source = FIXTURES / "report_5607.xls"
    data = bytearray(source.read_bytes())
    with olefile.OleFileIO(bytes(data)) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
    at, bounds, moved = 0, [], False
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        if kind == 0x0085:
            bounds.append(at + 4)
        elif kind in _BIFF_CELLS and bounds and not moved and at > bounds[-1]:
            (first,) = struct.unpack_from("<I", stream, bounds[0])
            if at > first:
                struct.pack_into("<HH", stream, at + 4, 65535, 255)
                moved = True
        at += 4 + size
    (first,) = struct.unpack_from("<I", stream, bounds[0])
    for body in bounds[:sheets]:
        struct.pack_into("<I", stream, body, first)
    out = io.BytesIO(bytes(data))
    with olefile.OleFileIO(out, write_mode=True) as ole:
        ole.write_stream("Workbook", bytes(stream))
    return out.getvalue()


def ods_far_corner() -> bytes:
    """An .ods with "x" in A1 and one 1,048,575 rows down and 16,000 columns across."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    cell = '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{office}"'
        f' xmlns:table="{table}" xmlns:text="{text}" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Sheet1"><table:table-row>{cell}'
        '</table:table-row><table:table-row table:number-rows-repeated="1048574">'
        "<table:table-cell/></table:table-row><table:table-row>"
        f'<table:table-cell table:number-columns-repeated="16000"/>{cell}</table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
            'manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return out.getvalue()


def huge_shared_strings(size: int) -> bytes:
    """A one-cell .xlsx whose sharedStrings.xml unpacks to about `size` bytes: one
    string of that many letters, written in pieces so that the test holds little."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    book.add_worksheet("Sheet1").write(0, 0, "a")
    book.close()
    result = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(out.getvalue())) as zin,
        zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for name in zin.namelist():
            if name != "xl/sharedStrings.xml":
                zout.writestr(name, zin.read(name))
                continue
            head, tail = zin.read(name).split(b"<t>a</t>")
            with zout.open(name, "w", force_zip64=True) as member:
                member.write(head + b"<t>")
                piece = b"a" * (1024 * 1024)
                for _ in range(size // len(piece)):
                    member.write(piece)
                member.write(b"</t>" + tail)
    return result.getvalue()


def password_protected() -> bytes:
    """An OLE container with a stream named "EncryptedPackage" (what Excel writes for a
    workbook with a password): the LibreOffice .xls with its Workbook stream renamed."""
    data = bytearray((FIXTURES / "report_5607.xls").read_bytes())
    old = "Workbook".encode("utf-16-le") + b"\0\0"
    new = "EncryptedPackage".encode("utf-16-le") + b"\0\0"
    at = data.index(old)
    data[at : at + len(new)] = new
    struct.pack_into("<H", data, at + 64, len(new))
    return bytes(data)


#: name: (maker, file name)
HOSTILE = {
    "renamed-far-part": (renamed_far_part, "form.xlsx"),
    # 50 x 250,000 cells: past the registry's 10 million too.
    "shared-part": (lambda: shared_part(50, 500, 500), "form.xlsx"),
    "xls-far-corner": (xls_far_corner, "form.xls"),
    "ods-far-corner": (ods_far_corner, "form.ods"),
    "huge-shared-strings": (lambda: huge_shared_strings(300 * 1024 * 1024), "form.xlsx"),
    "password": (password_protected, "form.xlsx"),
}


@functools.cache
def hostile(name: str) -> bytes:
    """The content of a HOSTILE file, made once per test process."""
    return HOSTILE[name][0]()
