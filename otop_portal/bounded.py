"""python-calamine in a child process with a memory limit.

The checks of otop_portal.uploads refuse a workbook whose sheets would not fit in
memory before it is read. Should a check ever be wrong (a new trick, a calamine
change), calamine may ask for gigabytes or abort the process (SIGABRT): here it runs in
a child (otop_portal.calamine_child) whose address space is limited with
resource.setrlimit, so the worst a file can do is end that child, and the user is told
the file is too large to read. The rows come back in pickled batches, unpickled with
only plain values and dates allowed.

The limit is settings.READER_MEMORY_LIMIT_BYTES (by kind of upload: a district's forms
are small, a country's registry is not).
"""

from __future__ import annotations

import datetime
import pickle
import subprocess
import sys
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from otop_portal.sheetfile import (
    MSG_BROKEN_WORKBOOK,
    MSG_CSV_ENCODING,
    MSG_ENCRYPTED,
    SpreadsheetError,
)

MSG_TOO_LARGE_TO_READ = _(
    "ไฟล์นี้ต้องใช้หน่วยความจำเกินกว่าที่อ่านได้ กรุณาลบแผ่นงาน แถว และคอลัมน์ที่ไม่ใช้ออกแล้วบันทึกใหม่"
)

DEFAULT_LIMITS = {"district": 1024**3, "registry": 3 * 1024**3}


def memory_limit(kind: str) -> int:
    """The child's address space for a kind of upload ("district" or "registry")."""
    limits = getattr(settings, "READER_MEMORY_LIMIT_BYTES", None) or DEFAULT_LIMITS
    return limits[kind]


class _Values(pickle.Unpickler):
    """Only what calamine gives: plain values, and dates and times."""

    ALLOWED = {("datetime", n) for n in ("date", "datetime", "time", "timedelta", "timezone")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return getattr(datetime, name)
        raise pickle.UnpicklingError(f"{module}.{name}")


class BoundedBook:
    """A workbook opened by calamine in a child process; close() ends it."""

    def __init__(self, data: bytes, *, kind: str, text: bool = False):
        # The child limits its own memory as it starts (preexec_fn is not safe in a
        # process with threads, such as runserver's). With `text`, the data is CSV.
        command = [sys.executable, "-m", "otop_portal.calamine_child", str(memory_limit(kind))]
        self._child = subprocess.Popen(
            command + (["csv"] if text else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=settings.BASE_DIR,
        )
        try:
            self._child.stdin.write(len(data).to_bytes(8, "little"))
            self._child.stdin.write(data)
            self._child.stdin.flush()
        except OSError:  # the child ended (BrokenPipeError)
            self.close()
            raise SpreadsheetError(MSG_TOO_LARGE_TO_READ) from None
        #: (name, visible) of every sheet.
        self.sheets: list[tuple[str, bool]] = self._ask(("sheets",))[1]

    def _receive(self):
        try:
            message = _Values(self._child.stdout).load()
        except (EOFError, pickle.UnpicklingError, OSError):
            # The child ended: most often the memory limit (calamine aborts, or Python
            # raises MemoryError and exits).
            self.close()
            raise SpreadsheetError(MSG_TOO_LARGE_TO_READ) from None
        if message[0] == "error":
            self.close()
            text = message[2].lower()
            if "password" in text or "encrypt" in text:
                raise SpreadsheetError(MSG_ENCRYPTED)
            if message[1] == "MemoryError":
                raise SpreadsheetError(MSG_TOO_LARGE_TO_READ)
            if message[1] == "UnicodeDecodeError":
                raise SpreadsheetError(MSG_CSV_ENCODING)
            raise SpreadsheetError(MSG_BROKEN_WORKBOOK % {"detail": message[1]})
        return message

    def _ask_only(self, request) -> None:
        try:
            pickle.dump(request, self._child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._child.stdin.flush()
        except OSError:  # the child ended (BrokenPipeError)
            self.close()
            raise SpreadsheetError(MSG_TOO_LARGE_TO_READ) from None

    def _ask(self, request):
        self._ask_only(request)
        return self._receive()

    def head(self, sheet: str, nrows: int) -> tuple[list[list], int]:
        """The first rows of a sheet at their real positions, and its number of rows."""
        answer = self._ask(("head", sheet, nrows))
        return answer[1], answer[2]

    def rows(self, sheet: str) -> list[list]:
        return self._ask(("all", sheet))[1]

    def stream(self, sheet: str, first: list[list]) -> Iterator[list]:
        """Every row of a sheet at its real position, a batch at a time."""
        self._ask_only(("stream", sheet, first))
        while True:
            message = self._receive()
            if message[0] == "end":
                return
            yield from message[1]

    def close(self) -> None:
        child = self._child
        if child.poll() is None:
            child.kill()
        child.wait()
        for pipe in (child.stdin, child.stdout):
            try:
                pipe.close()
            except OSError:
                pass
