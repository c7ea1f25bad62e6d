"""The child process of otop_portal.bounded: python-calamine reading one workbook.

It imports neither Django nor the portal: it starts in a few tens of milliseconds and
runs under the address-space limit its parent sets, so that a workbook that makes
calamine ask for more memory than a check foresaw ends this process, not a server
worker. It reads the workbook's size (8 bytes) and content from stdin, then answers
requests, each a pickled tuple, with pickled tuples on stdout:

- ("sheets",) -> ("sheets", [(name, visible), ...]);
- ("head", name, nrows) -> ("rows", rows, height): the first rows at their real
  positions, and the number of rows of the sheet;
- ("all", name) -> ("rows", rows): every row at its real position;
- ("stream", name, first) -> ("rows", batch)... then ("end", height): the rows, one
  batch at a time; `first` is the head the parent has already seen (iter_rows is used
  when it gives the same first rows, to_python otherwise, as the registry reader did);
- any failure -> ("error", type name, text).
"""

from __future__ import annotations

import io
import itertools
import pickle
import sys

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
    for row in rows:
        batch.append(list(row))
        if len(batch) >= BATCH:
            _send(out, ("rows", batch))
            batch = []
    if batch:
        _send(out, ("rows", batch))
    _send(out, ("end", (sheet.end or (0, 0))[0] + 1))


def main() -> None:
    from python_calamine import CalamineWorkbook

    source, out = sys.stdin.buffer, sys.stdout.buffer
    size = int.from_bytes(source.read(8), "little")
    data = source.read(size)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # every failure goes to the parent, which words it
        _send(out, ("error", type(exc).__name__, str(exc)[:500]))
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


if __name__ == "__main__":
    main()
