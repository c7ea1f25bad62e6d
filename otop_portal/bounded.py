"""python-calamine in a child process with a memory limit.

The checks of otop_portal.uploads refuse a workbook whose sheets would not fit in
memory before it is read. Should a check ever be wrong (a new trick, a calamine
change), calamine may ask for gigabytes or abort the process (SIGABRT): here it runs in
a child (otop_portal.calamine_child) whose address space is limited with
resource.setrlimit, so the worst a file can do is end that child, and the user is told
the file is too large to read. Each server process starts one small zygote, with
calamine loaded, which forks a child for each workbook: a millisecond, where a new
interpreter for each took thirty (issue #19). The rows come back in pickled batches,
unpickled with only plain values and dates allowed.

The limit is settings.READER_MEMORY_LIMIT_BYTES (by kind of upload: a district's forms
are small, a country's registry is not).
"""

from __future__ import annotations

import array
import datetime
import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
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

MSG_READER_UNAVAILABLE = _(
    "ขณะนี้เซิร์ฟเวอร์อ่านไฟล์ไม่ได้ (ไม่ใช่ปัญหาของไฟล์) กรุณาแจ้งผู้ดูแลระบบ แล้วอัปโหลดไฟล์เดิมอีกครั้งภายหลัง"
)

logger = logging.getLogger(__name__)

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


class _Zygote:
    """This process's zygote (otop_portal.calamine_child.zygote): a small process started
    once, with python-calamine loaded, that forks a reader for each book. Threads share
    it: one request and its answer at a time. A zygote that ended is started again."""

    def __init__(self):
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._pid = None  # the process that started it (a forked server worker starts its own)

    def _start(self) -> None:
        self._stop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "otop_portal.calamine_child",
                    str(theirs.fileno()),
                ],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=settings.BASE_DIR,
            )
        self._control, self._pid = ours, os.getpid()

    def _stop(self) -> None:
        if self._control is not None and self._pid == os.getpid():
            self._control.close()  # the zygote ends as it reads the end of its socket
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # stuck: never wait on it for ever
                self._process.kill()
                self._process.wait()
        self._process = self._control = None

    def _exchange(self, request, fds=()):
        self._control.sendmsg(
            [pickle.dumps(request)],
            [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else [],
        )
        answer = self._control.recv(4096)
        if not answer:
            raise OSError("the reader's zygote ended")
        return pickle.loads(answer)

    def start(self, *, limit: int, text: bool, fds: tuple[int, int]) -> tuple[int, int]:
        """Fork a reader whose pipes are `fds` (its stdin's read end, its stdout's write
        end); returns its number, for end(), and its process id."""
        with self._lock:
            for attempt in (1, 2):
                if (
                    self._control is None
                    or self._pid != os.getpid()
                    or self._process.poll() is not None
                ):
                    self._start()
                try:
                    return self._exchange(("start", limit, text), fds)
                except OSError:
                    if attempt == 2:
                        raise
                    self._stop()

    def end(self, number: int) -> None:
        """End the reader `number` (killed if it still runs) and reap it."""
        with self._lock:
            if self._control is None or self._pid != os.getpid():
                return  # its zygote ended, and its readers with it
            try:
                self._exchange(("end", number))
            except OSError:
                self._stop()


_zygote = _Zygote()


class BoundedBook:
    """A workbook opened by calamine in a child process; close() ends it."""

    def __init__(self, data: bytes, *, kind: str, text: bool = False):
        # The child, forked by the zygote, limits its own memory as it starts. With
        # `text`, the data is CSV.
        to_child, ours_in = os.pipe()
        ours_out, from_child = os.pipe()
        self._stdin, self._stdout = open(ours_in, "wb"), open(ours_out, "rb")
        self._closed, self.number, self.pid = False, None, None
        try:
            self.number, self.pid = _zygote.start(
                limit=memory_limit(kind), text=text, fds=(to_child, from_child)
            )
        except OSError:  # not the file's fault: the server cannot start a reader
            logger.exception("the spreadsheet reader could not start")
            self.close()
            raise SpreadsheetError(MSG_READER_UNAVAILABLE) from None
        except BaseException:
            self.close()
            raise
        finally:
            os.close(to_child)  # the child's ends are the child's alone
            os.close(from_child)
        try:
            self._stdin.write(len(data).to_bytes(8, "little"))
            self._stdin.write(data)
            self._stdin.flush()
        except OSError:  # the child ended (BrokenPipeError)
            self.close()
            raise SpreadsheetError(MSG_TOO_LARGE_TO_READ) from None
        #: (name, visible) of every sheet.
        self.sheets: list[tuple[str, bool]] = self._ask(("sheets",))[1]

    def _receive(self):
        try:
            message = _Values(self._stdout).load()
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
            pickle.dump(request, self._stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._stdin.flush()
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
        if self._closed:
            return
        self._closed = True
        for pipe in (self._stdin, self._stdout):
            try:
                pipe.close()
            except OSError:
                pass
        if self.number is not None:
            _zygote.end(self.number)
