"""Workbooks made to knock the reader over (issue #14): every one is refused with a
clear Thai message, by every path that reads an upload, and the process survives.

Each file (tests/security/hostile.py) would make python-calamine ask for gigabytes, or
abort the process, if it were opened unchecked. The services are run in a child
process whose address space is limited (resource.setrlimit), and the upload pages in a
child pytest limited the same way, so that a check that misses kills the child and
fails the test, never the test worker.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.test import Client

from tests.security.conftest import data_fingerprint, upload
from tests.security.hostile import HOSTILE, hostile

ROOT = Path(__file__).resolve().parents[2]
#: The child's address space: Django and a normal read fit; the allocation that any of
#: these files asks for does not.
MEMORY_LIMIT = 2 * 1024**3

#: What the refusal of each file says.
WORDS = {
    "renamed-far-part": ("XFD1048576",),
    "shared-part": ("มากเกินกว่าที่อ่านได้",),
    "xls-far-corner": ("IV65536",),
    "ods-far-corner": ("มากเกินกว่าที่อ่านได้",),
    "huge-shared-strings": ("ข้อความในไฟล์นี้เมื่อคลายออกจะมีขนาดเกิน",),
    "password": ("รหัสผ่าน",),
}


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _child_pytest_env(name: str) -> dict:
    """The environment of a child pytest: its own test database on PostgreSQL, as the
    two child runs below may run at once on two xdist workers (on SQLite each has its
    own in memory)."""
    env = {**os.environ, "H14_HOSTILE_PAGES": "1"}
    url = env.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        base, _sep, _db = url.rpartition("/")
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        env["DATABASE_URL"] = f"{base}/{_db}_{name}_{worker}"
    return env


def _child_env() -> dict:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="otop_portal.settings", SECRET_KEY="t", DEBUG="0")
    env.setdefault("SECURE_COOKIES", "0")
    env.pop("DATABASE_URL", None)  # the readers never touch the database
    return env


READ_EVERY_WAY = textwrap.dedent(
    """
    import io, json, sys
    sys.path.insert(0, sys.argv[2])
    import django
    django.setup()
    from django import forms
    from django.core.files.uploadedfile import SimpleUploadedFile
    from otop_portal.spreadsheet import SpreadsheetError, open_workbook
    from otop_portal.uploads import DISTRICT, REGISTRY, check_upload
    from products.registry_workbook import registry_read

    data = open(sys.argv[1], "rb").read()
    name = sys.argv[3]
    out = {}
    for kind in (DISTRICT, REGISTRY):
        try:
            check_upload(SimpleUploadedFile(name, data), kind=kind)
            out["check_upload " + kind] = "accepted"
        except forms.ValidationError as exc:
            out["check_upload " + kind] = "refused: " + " ".join(exc.messages)
    # The survey, report and targets readers all open their file with open_workbook.
    try:
        open_workbook(io.BytesIO(data), name=name)
        out["open_workbook"] = "read"
    except SpreadsheetError as exc:
        out["open_workbook"] = "refused: " + str(exc.message)
    result = registry_read(io.BytesIO(data), name=name)
    problems = [p.message for p in result.problems]
    out["registry_read"] = ("refused: " + " ".join(problems)) if problems else "read"
    print(json.dumps(out, ensure_ascii=False))
    """
)


@pytest.mark.parametrize("attack", list(HOSTILE))
def test_it_refuses_each_hostile_file_on_every_read_path_and_survives(attack, tmp_path):
    path = tmp_path / HOSTILE[attack][1]
    path.write_bytes(hostile(attack))
    done = subprocess.run(
        [sys.executable, "-c", READ_EVERY_WAY, str(path), str(ROOT), path.name],
        capture_output=True,
        text=True,
        timeout=300,
        env=_child_env(),
        preexec_fn=_limit_memory,
    )
    assert done.returncode == 0, (
        f"the reader died (exit {done.returncode}) on the {attack} file: {done.stderr[-2000:]}"
    )
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for way, outcome in results.items():
        assert outcome.startswith("refused:"), f"{way} did not refuse the {attack} file"
        assert any(w in outcome for w in WORDS[attack]), f"{way}: {outcome}"


def test_a_sheet_shared_by_many_is_counted_for_each(settings):
    from otop_portal.spreadsheet import SpreadsheetError
    from otop_portal.uploads import DISTRICT, check_workbook
    from tests.security.hostile import shared_part

    check_workbook(shared_part(1, 100, 100), kind=DISTRICT)  # 10,000 cells: fine
    with pytest.raises(SpreadsheetError) as refused:
        check_workbook(shared_part(50, 100, 100), kind=DISTRICT)
    assert "50 แผ่นงาน รวม 500,000 ช่อง" in str(refused.value.message)


def test_a_district_form_has_a_smaller_budget_than_the_registry():
    from otop_portal.spreadsheet import SpreadsheetError
    from otop_portal.uploads import DISTRICT, REGISTRY, check_workbook
    from tests.security.hostile import shared_part

    data = shared_part(1, 500, 500)  # 250,000 cells
    assert check_workbook(data, kind=REGISTRY) == "xlsx"
    with pytest.raises(SpreadsheetError):
        check_workbook(data, kind=DISTRICT)


def test_the_libreoffice_and_sample_workbooks_fit_a_districts_budget(samples):
    from otop_portal.uploads import DISTRICT, check_workbook

    files = [*(ROOT / "tests" / "fixtures" / "libreoffice").iterdir()]
    files += [
        p for p in Path(samples).iterdir() if p.suffix == ".xlsx" and "registry" not in p.name
    ]
    for path in files:
        check_workbook(path.read_bytes(), kind=DISTRICT)


def test_an_xlsb_is_refused_with_save_as_xlsx():
    import io
    import zipfile

    from otop_portal.spreadsheet import MSG_XLSB, SpreadsheetError, sniff

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    with pytest.raises(SpreadsheetError) as refused:
        sniff(out.getvalue())
    assert refused.value.message == MSG_XLSB


# ---------------------------------------------------------------------------
# The upload pages, in a child pytest with limited memory
# ---------------------------------------------------------------------------


def test_every_upload_page_refuses_the_hostile_files_and_survives():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-n",
            "0",
            "-q",
            f"{__file__}::test_pages_in_the_child",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env=_child_pytest_env("pages"),
        preexec_fn=_limit_memory,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout


def _pages():
    from tests.security.test_uploads import UPLOAD_PAGES

    return UPLOAD_PAGES


@pytest.mark.skipif(
    not os.environ.get("H14_HOSTILE_PAGES"),
    reason="run by test_every_upload_page_refuses_the_hostile_files_and_survives",
)
@pytest.mark.parametrize("attack", list(HOSTILE))
@pytest.mark.parametrize("page", _pages())
def test_pages_in_the_child(page, attack, matrix, request):
    from tests.security.test_uploads import _page_text, _upload_pages

    _name, url, who, fields, field = next(p for p in _upload_pages(matrix) if p[0] == page)
    client = Client()
    client.force_login(request.getfixturevalue(who))
    before = data_fingerprint()
    response = client.post(url, {**fields, field: upload(hostile(attack), HOSTILE[attack][1])})
    assert response.status_code < 500
    text = _page_text(response)
    assert any(w in text for w in WORDS[attack]), (
        f"{page} does not say why it refused the {attack} file: {' '.join(text.split())[:600]}"
    )
    assert data_fingerprint() == before


# ---------------------------------------------------------------------------
# The reader's own bound, should a check ever be wrong
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ["renamed-far-part", "xls-far-corner"])
def test_the_reader_refuses_what_a_check_missed_and_the_worker_lives(attack, settings):
    """The bounded reader opened without any check: calamine ends its child (abort or
    out of memory), and the user is told the file is too large to read."""
    from otop_portal.bounded import MSG_TOO_LARGE_TO_READ, BoundedBook
    from otop_portal.spreadsheet import SpreadsheetError

    settings.READER_MEMORY_LIMIT_BYTES = {"district": 512 * 1024**2, "registry": 512 * 1024**2}
    with pytest.raises(SpreadsheetError) as refused:
        book = BoundedBook(hostile(attack), kind="district")
        try:
            for sheet, _visible in book.sheets:
                book.rows(sheet)
        finally:
            book.close()
    assert refused.value.message == MSG_TOO_LARGE_TO_READ


def test_the_bounded_reader_reads_a_workbook_as_calamine_does(samples):
    from python_calamine import CalamineWorkbook

    from otop_portal.bounded import BoundedBook

    data = (Path(samples) / "report_5607.xlsx").read_bytes()
    direct = CalamineWorkbook.from_filelike(io.BytesIO(data))
    book = BoundedBook(data, kind="district")
    try:
        for name, _visible in book.sheets:
            expected = [
                list(r) for r in direct.get_sheet_by_name(name).to_python(skip_empty_area=False)
            ]
            assert book.rows(name) == expected
            head, height = book.head(name, 5)
            assert head == expected[:5] and height == len(expected)
            assert list(book.stream(name, head)) == expected
    finally:
        book.close()


def test_the_admin_import_refuses_what_a_check_missed_and_the_server_lives():
    """django-import-export's admin import, run with the checks made to miss, in a child
    pytest with limited memory: the file is read by the bounded reader, whose child ends,
    and the page says the file is too large to read (no openpyxl read in the server)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-n",
            "0",
            "-q",
            f"{__file__}::test_admin_import_in_the_child",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env=_child_pytest_env("admin"),
        preexec_fn=_limit_memory,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout


@pytest.mark.skipif(
    not os.environ.get("H14_HOSTILE_PAGES"),
    reason="run by test_the_admin_import_refuses_what_a_check_missed_and_the_server_lives",
)
@pytest.mark.django_db
@pytest.mark.parametrize("model", ["entrepreneur", "product", "target"])
def test_admin_import_in_the_child(model, admin, settings, monkeypatch):
    from django.contrib import admin as django_admin
    from django.urls import reverse

    from otop_portal.bounded import MSG_TOO_LARGE_TO_READ

    def check_that_misses(data, *, kind):
        return "xlsx"

    monkeypatch.setattr("otop_portal.uploads.check_workbook", check_that_misses)
    monkeypatch.setattr("otop_portal.spreadsheet.check_workbook", check_that_misses)
    settings.READER_MEMORY_LIMIT_BYTES = {"district": 512 * 1024**2, "registry": 512 * 1024**2}
    registered = next(m for m in django_admin.site._registry if m._meta.model_name == model)
    formats = django_admin.site._registry[registered].get_import_formats()
    xlsx = next(i for i, f in enumerate(formats) if f().get_extension() == "xlsx")
    client = Client()
    client.force_login(admin)
    before = data_fingerprint()
    response = client.post(
        reverse(f"admin:products_{model}_import"),
        {
            "resource": "0",
            "format": str(xlsx),
            "import_file": upload(hostile("renamed-far-part"), "form.xlsx"),
        },
    )
    assert response.status_code == 200
    assert str(MSG_TOO_LARGE_TO_READ) in _page_text_of(response)
    assert data_fingerprint() == before


def _page_text_of(response) -> str:
    from tests.security.test_uploads import _page_text

    return " ".join(_page_text(response).split())


def test_a_csv_of_millions_of_empty_cells_ends_the_readers_child_not_the_server(settings):
    """The admin's CSV import reads in the memory-limited child too: 40 million empty
    cells (40 MB of commas) would take the server process about half a gigabyte."""
    from otop_portal.bounded import MSG_TOO_LARGE_TO_READ
    from otop_portal.spreadsheet import SpreadsheetError, csv_rows

    settings.READER_MEMORY_LIMIT_BYTES = {"district": 256 * 1024**2, "registry": 256 * 1024**2}
    with pytest.raises(SpreadsheetError) as refused:
        csv_rows(b"code\n" + b"," * (40 * 1024**2) + b"\n")
    assert refused.value.message == MSG_TOO_LARGE_TO_READ


def test_the_bounded_reader_reads_from_threads_at_once_as_a_threaded_server_does(samples):
    """runserver serves each request in a thread: readers in several threads at once
    each get their own child and the same rows."""
    from concurrent.futures import ThreadPoolExecutor

    from otop_portal.bounded import BoundedBook

    data = (Path(samples) / "survey_5607.xlsx").read_bytes()

    def read(_n):
        book = BoundedBook(data, kind="district")
        try:
            return [book.rows(name) for name, _visible in book.sheets]
        finally:
            book.close()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(read, range(8)))
    assert all(r == results[0] for r in results) and results[0][0]


def test_a_closed_reader_leaves_no_child_behind(samples):
    """Closing a book (as every reader does, refused or not) ends and reaps its child:
    a worker that reads all day does not gather processes, running or zombie."""
    from otop_portal.bounded import BoundedBook

    data = (Path(samples) / "survey_5607.xlsx").read_bytes()
    for _ in range(3):
        book = BoundedBook(data, kind="district")
        book.rows(book.sheets[0][0])
        book.close()
        book.close()  # twice, as a refusal and its caller may both close it
        assert not Path(f"/proc/{book.pid}").exists()  # ended and reaped


def test_a_reader_that_is_not_done_is_ended_when_closed(samples):
    """A book closed before it has read everything (a refusal after the first sheet)
    ends its child at once, which would otherwise wait for its next request."""
    from otop_portal.bounded import BoundedBook

    data = (Path(samples) / "survey_5607.xlsx").read_bytes()
    book = BoundedBook(data, kind="district")
    assert Path(f"/proc/{book.pid}").exists()
    book.close()
    assert not Path(f"/proc/{book.pid}").exists()


def test_a_reader_is_forked_again_after_its_zygote_ended(samples):
    """Should the process that forks the readers end (killed by an administrator, or
    out of memory), the next book starts a new one and reads as before."""
    from otop_portal import bounded

    data = (Path(samples) / "survey_5607.xlsx").read_bytes()
    book = bounded.BoundedBook(data, kind="district")
    book.close()
    bounded._zygote._process.kill()
    bounded._zygote._process.wait()
    book = bounded.BoundedBook(data, kind="district")
    try:
        assert book.rows(book.sheets[0][0])
    finally:
        book.close()


def test_a_reader_dropped_without_closing_leaves_no_zombie(samples):
    """A book that a bug drops without close() still ends its child (its pipes close
    with it), and the zygote reaps that child at its next request."""
    import gc

    from otop_portal.bounded import BoundedBook

    data = (Path(samples) / "survey_5607.xlsx").read_bytes()
    book = BoundedBook(data, kind="district")
    pid = book.pid
    del book
    gc.collect()
    for _ in range(50):  # the child sees its input end, then exits
        status = Path(f"/proc/{pid}/stat").read_text().split()[2]
        if status == "Z":
            break
        time.sleep(0.1)
    assert status == "Z"
    BoundedBook(data, kind="district").close()
    assert not Path(f"/proc/{pid}").exists()
