"""No lost work: two people saving the same thing, two uploads at once, a database that
fails in the middle of an import.

- Two officers save the same entrepreneur (survey) or product line (report): the second
  save is refused with a message naming who saved first and when, the page keeps what
  the second officer typed, and saving again (having seen the stored values) goes
  through. Nothing is overwritten silently.
- Two uploads for one district committed at once: the commit locks the survey's or
  report's row and checks again, under the lock, that nothing changed since its preview.
  One goes in; the other is refused as out of date. (PostgreSQL: two threads, two
  connections. SQLite takes one writer at a time, so the race cannot happen there.)
- The connection to PostgreSQL is killed (pg_terminate_backend, from another connection)
  in the middle of an import: nothing of the import is left.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from tests.conftest import make_entrepreneur, make_product, make_round
from tests.security.conftest import data_fingerprint

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite lets one connection write at a time, so two commits "
    "cannot interleave, and it has no other backend to kill (CI runs this on PostgreSQL "
    "through DATABASE_URL)",
)


# ---------------------------------------------------------------------------
# Two officers, one entrepreneur / one product line
# ---------------------------------------------------------------------------


@pytest.fixture
def registry(open_round):
    e = make_entrepreneur("5607", code="560700101", name="กลุ่มทอผ้าบ้านแม่ใจ")
    return {
        "round": open_round,
        "e": e,
        "p1": make_product(e, name="ผ้าทอไทลื้อ"),
        "p2": make_product(e, name="ผ้าพันคอ"),
    }


def _survey_form(version, *, sales="", trained=False, ready=()):
    data = {"version": str(version), "sales_prev_year": sales, "ready": [str(i) for i in ready]}
    if trained:
        data["trained"] = "on"
    return data


def test_the_second_officer_to_save_an_entrepreneur_keeps_their_input(registry, officer, colleague):
    from surveys.models import EntrepreneurAnswer

    url = reverse("surveys:entrepreneur", args=["2564-2", "5607", "560700101"])
    first, second = Client(), Client()
    first.force_login(colleague)
    second.force_login(officer)
    # Both open the form (version 0), the colleague saves first.
    assert 'name="version" value="0"' in first.get(url).content.decode()
    assert 'name="version" value="0"' in second.get(url).content.decode()
    assert first.post(url, _survey_form(0, trained=True, sales="1,000")).status_code == 302

    response = second.post(url, _survey_form(0, sales="77,777", ready=[registry["p2"].id]))
    assert response.status_code == 409
    page = response.content.decode()
    assert "ถูกบันทึกไปแล้วโดย colleague" in page
    assert 'value="77,777"' in page  # what the officer typed is still in the form
    assert re.search(rf'value="{registry["p2"].id}"[^>]*checked', page)
    answer = EntrepreneurAnswer.objects.get(entrepreneur=registry["e"])
    assert (answer.trained, answer.sales_prev_year) == (True, Decimal("1000.00"))

    # Saving again from that page goes through, against what is stored now.
    assert 'name="version" value="1"' in page
    assert second.post(url, _survey_form(1, sales="77,777")).status_code == 302
    answer.refresh_from_db()
    assert answer.sales_prev_year == Decimal("77777.00") and answer.version == 2


def _line_form(line, version, **values):
    prefix = f"l{line.pk}-"
    data = {f"{prefix}version": str(version), f"{prefix}month_1": "", f"{prefix}url": ""}
    data.update({f"{prefix}{k}": v for k, v in values.items()})
    return data


@pytest.fixture
def report_line(registry, officer):
    from districts.models import District
    from reports.models import ReportLine
    from reports.services import report_get_or_start

    report = report_get_or_start(
        round=registry["round"], district=District.objects.get(code="5607")
    )
    return ReportLine.objects.get(report=report, product=registry["p1"])


def test_the_second_officer_to_save_a_report_line_keeps_their_input(
    report_line, officer, colleague
):
    from reports.models import ReportLine

    url = reverse("reports:line_save", args=["2564-2", "5607", report_line.pk])
    first, second = Client(), Client()
    first.force_login(colleague)
    second.force_login(officer)
    assert (
        first.post(url, _line_form(report_line, 0, month_1="500", facebook="on")).status_code == 302
    )

    response = second.post(url, _line_form(report_line, 0, month_1="1,234", note="โทรยืนยันแล้ว"))
    assert response.status_code == 409
    page = response.content.decode()
    assert "ถูกแก้ไขไปแล้วโดย colleague" in page
    assert 'value="1,234"' in page and 'value="โทรยืนยันแล้ว"' in page  # nothing typed is lost
    assert f'name="l{report_line.pk}-version" value="1"' in page
    assert ReportLine.objects.get(pk=report_line.pk).month_1 == Decimal("500")

    # Saving again from that page goes through.
    response = second.post(url, _line_form(report_line, 1, month_1="1,234", note="โทรยืนยันแล้ว"))
    assert response.status_code == 302
    saved = ReportLine.objects.get(pk=report_line.pk)
    assert (saved.month_1, saved.note, saved.version) == (Decimal("1234"), "โทรยืนยันแล้ว", 2)


def test_a_report_line_saved_in_the_background_gets_the_stored_version_back(
    report_line, officer, colleague
):
    """The page saves lines with fetch(): the form stays as typed in the browser, and the
    answer carries the stored version so that saving again goes through."""
    url = reverse("reports:line_save", args=["2564-2", "5607", report_line.pk])
    first, second = Client(), Client()
    first.force_login(colleague)
    second.force_login(officer)
    first.post(url, _line_form(report_line, 0, month_1="500"), HTTP_X_REQUESTED_WITH="fetch")
    response = second.post(
        url, _line_form(report_line, 0, month_1="9"), HTTP_X_REQUESTED_WITH="fetch"
    )
    data = response.json()
    assert data["ok"] is False and "ถูกแก้ไขไปแล้วโดย colleague" in data["message"]
    assert data["version"] == 1
    response = second.post(
        url, _line_form(report_line, data["version"], month_1="9"), HTTP_X_REQUESTED_WITH="fetch"
    )
    assert response.json()["ok"] is True


def test_a_report_line_with_a_typing_error_comes_back_as_typed(report_line, officer):
    url = reverse("reports:line_save", args=["2564-2", "5607", report_line.pk])
    client = Client()
    client.force_login(officer)
    response = client.post(url, _line_form(report_line, 0, month_1="12,500", month_2="สองพัน"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "“สองพัน” ไม่ใช่ตัวเลข" in page
    assert 'value="12,500"' in page and 'value="สองพัน"' in page


# ---------------------------------------------------------------------------
# Two uploads for one district at once (PostgreSQL)
# ---------------------------------------------------------------------------


def _in_threads(*calls):
    """Run each call in its own thread (its own database connection); return what each
    returned or raised."""
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _meet_before(monkeypatch, module, name: str) -> None:
    """Make both threads reach `module.name` before either runs it, when they can: a
    commit that waits for the other's lock never gets there, so the meeting gives up
    after a few seconds and the first thread goes on alone."""
    barrier = threading.Barrier(2)
    original = getattr(module, name)

    def meet(*args, **kwargs):
        try:
            barrier.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, meet)


@pytest.fixture
def phayao_samples(samples):
    """The sample registry, imported as the survey and report samples expect."""
    from products.services.registry import registry_import_file

    registry_import_file(
        file=samples / "registry.xlsx", as_of=dt.date(2021, 4, 1), name="registry.xlsx"
    )


def _survey_variant(samples, tmp_path, name: str, amount: int):
    """The sample survey of 5607 with a different amount on its first entrepreneur."""
    import openpyxl

    book = openpyxl.load_workbook(samples / "survey_5607.xlsx")
    book.worksheets[0]["P7"] = amount
    path = tmp_path / name
    book.save(path)
    return path


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_survey_uploads_committed_at_once_do_not_overwrite_each_other(
    round_2564, phayao_samples, samples, tmp_path, settings, officer, colleague, monkeypatch
):
    from django.core.files import File

    from districts.models import District
    from otop_portal.workflow import WorkflowError
    from surveys import services
    from surveys.models import EntrepreneurAnswer, SurveyUpload

    settings.MEDIA_ROOT = tmp_path / "media"
    survey = services.survey_get_or_start(
        round=round_2564, district=District.objects.get(code="5607")
    )
    uploads = []
    for user, amount in ((officer, 1111), (colleague, 2222)):
        path = _survey_variant(samples, tmp_path, f"{user.username}.xlsx", amount)
        with path.open("rb") as fh:
            record, _result = services.survey_uploads.preview(
                form=survey, file=File(fh), name=path.name, by=user
            )
        uploads.append((record, user))
    _meet_before(monkeypatch, services, "survey_import_file")

    results = _in_threads(
        *(
            (
                lambda r=r, u=u: services.survey_uploads.commit(
                    upload=SurveyUpload.objects.get(pk=r.pk), by=u
                )
            )
            for r, u in uploads
        )
    )
    refused = [r for r in results if isinstance(r, WorkflowError)]
    assert len(refused) == 1, results
    assert "เปลี่ยนไปหลังจากแสดงตัวอย่าง" in str(refused[0].message)
    outcomes = sorted(SurveyUpload.objects.values_list("outcome", flat=True))
    assert outcomes == ["committed", "previewed"]
    committed = SurveyUpload.objects.get(outcome="committed")
    amount = Decimal("1111") if committed.uploaded_by == officer else Decimal("2222")
    first = EntrepreneurAnswer.objects.get(survey=survey, entrepreneur__code="560700001")
    assert first.sales_prev_year == amount


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_report_uploads_committed_at_once_do_not_overwrite_each_other(
    round_2564, phayao_samples, samples, tmp_path, settings, officer, colleague, monkeypatch
):
    import openpyxl
    from django.core.files import File

    from districts.models import District
    from otop_portal.workflow import WorkflowError
    from reports import services
    from reports.models import ReportLine, ReportUpload

    settings.MEDIA_ROOT = tmp_path / "media"
    report = services.report_get_or_start(
        round=round_2564, district=District.objects.get(code="5607")
    )
    uploads = []
    for user, amount in ((officer, 1111), (colleague, 2222)):
        book = openpyxl.load_workbook(samples / "report_5607.xlsx")
        book.worksheets[0]["O8"] = amount  # the second line's third month
        path = tmp_path / f"{user.username}.xlsx"
        book.save(path)
        with path.open("rb") as fh:
            record, _result = services.report_uploads.preview(
                form=report, file=File(fh), name=path.name, by=user
            )
        uploads.append((record, user))
    _meet_before(monkeypatch, services, "report_import")

    results = _in_threads(
        *(
            (
                lambda r=r, u=u: services.report_uploads.commit(
                    upload=ReportUpload.objects.get(pk=r.pk), by=u
                )
            )
            for r, u in uploads
        )
    )
    refused = [r for r in results if isinstance(r, WorkflowError)]
    assert len(refused) == 1, results
    assert "เปลี่ยนไปหลังจากแสดงตัวอย่าง" in str(refused[0].message)
    assert sorted(ReportUpload.objects.values_list("outcome", flat=True)) == [
        "committed",
        "previewed",
    ]
    committed = ReportUpload.objects.get(outcome="committed")
    amount = Decimal("1111") if committed.uploaded_by == officer else Decimal("2222")
    line = ReportLine.objects.get(
        report=report, product__entrepreneur__code="560700005", product__name="กระเป๋าผ้าปัก สูตร 1"
    )
    assert line.month_3 == amount


def _meet_between(monkeypatch, *points) -> None:
    """Hold each of two threads at its own point, (module or class, name), until the
    other reaches its own, or for 5 seconds: a thread that waits for the other's lock
    before its point never gets there, and the other then goes on alone."""
    barrier = threading.Barrier(2)
    for owner, name in points:
        original = getattr(owner, name)

        def meet(*args, _original=original, **kwargs):
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            return _original(*args, **kwargs)

        monkeypatch.setattr(owner, name, meet)


def _no_deadlock(results, *expected) -> None:
    """Each thread's call returned or was refused with a message (`expected`); none was
    ended by the database (a deadlock is a DatabaseError)."""
    from django.db import DatabaseError

    assert not [r for r in results if isinstance(r, DatabaseError)], results
    assert all(not isinstance(r, Exception) or isinstance(r, expected) for r in results), results


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_answer_saved_while_an_upload_commits_does_not_deadlock(
    round_2564, phayao_samples, samples, tmp_path, settings, officer, colleague, monkeypatch
):
    """An upload's commit locks the survey, then its answers. A save locked its answer,
    then the survey (to stamp it changed): at once, each held what the other waited for,
    and PostgreSQL ended one of them. Here each waits at its second lock until the other
    holds its first: the save now locks the survey first, so it waits for the commit."""
    from django.core.files import File

    from districts.models import District
    from otop_portal.workflow import WorkflowError
    from surveys import services
    from surveys.models import EntrepreneurAnswer, SurveyUpload

    settings.MEDIA_ROOT = tmp_path / "media"
    survey = services.survey_get_or_start(
        round=round_2564, district=District.objects.get(code="5607")
    )
    path = _survey_variant(samples, tmp_path, "upload.xlsx", 1111)
    with path.open("rb") as fh:
        record, _result = services.survey_uploads.preview(
            form=survey, file=File(fh), name=path.name, by=colleague
        )
    answer = (
        EntrepreneurAnswer.objects.select_related("entrepreneur")
        .filter(survey=survey)
        .order_by("entrepreneur__code")
        .last()
    )
    _meet_between(
        monkeypatch, (services, "survey_import_file"), (services, "_product_answers_locked")
    )
    results = _in_threads(
        lambda: services.survey_uploads.commit(
            upload=SurveyUpload.objects.get(pk=record.pk), by=colleague
        ),
        lambda: services.survey_answer_save(
            survey=survey,
            entrepreneur=answer.entrepreneur,
            data=services.AnswerData(True, True, False, Decimal("5000"), set()),
            by=officer,
            version=answer.version,
        ),
    )
    _no_deadlock(results, WorkflowError)


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_report_line_saved_while_an_upload_commits_does_not_deadlock(
    round_2564, phayao_samples, samples, tmp_path, settings, officer, colleague, monkeypatch
):
    """As for the survey: the report's row, then its lines, in both."""
    from django.core.files import File

    from districts.models import District
    from otop_portal.workflow import WorkflowError
    from reports import services
    from reports.models import ReportLine, ReportUpload

    settings.MEDIA_ROOT = tmp_path / "media"
    report = services.report_get_or_start(
        round=round_2564, district=District.objects.get(code="5607")
    )
    with (samples / "report_5607.xlsx").open("rb") as fh:
        record, _result = services.report_uploads.preview(
            form=report, file=File(fh), name="report_5607.xlsx", by=colleague
        )
    # A line the file fills in, so that the import writes it.
    line = ReportLine.objects.get(
        report=report, product__entrepreneur__code="560700005", product__name="กระเป๋าผ้าปัก สูตร 1"
    )
    _meet_between(monkeypatch, (services, "report_import"), (ReportLine, "save"))
    results = _in_threads(
        lambda: services.report_uploads.commit(
            upload=ReportUpload.objects.get(pk=record.pk), by=colleague
        ),
        lambda: services.report_line_save(
            line=ReportLine.objects.select_related("report__round").get(pk=line.pk),
            values={"month_1": Decimal("700")},
            version=line.version,
            by=officer,
        ),
    )
    _no_deadlock(results, WorkflowError, services.StaleLine)


# ---------------------------------------------------------------------------
# The database fails in the middle of an import (PostgreSQL)
# ---------------------------------------------------------------------------


class KillAtSecondWrite:
    """An execute wrapper that, at the import's second INSERT, UPDATE or DELETE, kills
    the import's own connection from another connection just before the statement runs
    (whatever writes first: the registry's snapshot, a survey's answers, a report's
    lines)."""

    def __init__(self):
        import psycopg2

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.pid = cursor.fetchone()[0]
        self.connect = lambda: psycopg2.connect(**connection.get_connection_params())
        self.writes = 0
        self.killed = False

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            self.writes += 1
            if self.writes == 2 and not self.killed:
                other = self.connect()
                try:
                    other.autocommit = True
                    with other.cursor() as cursor:
                        cursor.execute("SELECT pg_terminate_backend(%s)", [self.pid])
                finally:
                    other.close()
                self.killed = True
        return execute(sql, params, many, context)


@on_postgresql
@pytest.mark.parametrize("importer", ["registry", "survey", "report"])
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_killed_during_an_import_leaves_nothing_of_it(
    importer, round_2564, samples, tmp_path, settings
):
    from django.db.utils import DatabaseError, InterfaceError

    from districts.models import District
    from products.services.registry import registry_import_file

    settings.MEDIA_ROOT = tmp_path / "media"
    district = District.objects.get(code="5607")
    if importer != "registry":
        registry_import_file(
            file=samples / "registry.xlsx", as_of=dt.date(2021, 4, 1), name="registry.xlsx"
        )
    before = data_fingerprint()
    killer = KillAtSecondWrite()
    with pytest.raises((DatabaseError, InterfaceError)), connection.execute_wrapper(killer):
        if importer == "registry":
            registry_import_file(
                file=samples / "registry.xlsx", as_of=dt.date(2021, 4, 1), name="registry.xlsx"
            )
        elif importer == "survey":
            from surveys.services import survey_import

            with (samples / "survey_5607.xlsx").open("rb") as fh:
                survey_import(round=round_2564, district=district, file=fh, name="survey_5607.xlsx")
        else:
            from reports.services import report_import

            with (samples / "report_5607.xlsx").open("rb") as fh:
                report_import(round=round_2564, district=district, file=fh, name="report_5607.xlsx")
    assert killer.killed
    connection.close()  # the killed connection; the next query opens a new one
    assert data_fingerprint() == before


# ---------------------------------------------------------------------------
# A district office saving at once, on the SQLite file of `make run`
# ---------------------------------------------------------------------------

on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the SQLite file database of `make run`; PostgreSQL locks rows (tests above)",
)
SAVERS = 20


@contextlib.contextmanager
def _on_a_sqlite_file(tmp_path):
    """From here on, new connections (the test's threads) use a copy of the test
    database in a file, in WAL mode as `make run` has it, not the shared in-memory
    database of the test run: the locking of a file is what a district office meets.
    Yields a function that runs a query on the file."""
    import sqlite3

    path = tmp_path / "portal.sqlite3"
    # A dump, not sqlite3's backup: the test's own data is in its open transaction.
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(path)) as target:
        target.executescript("\n".join(connection.connection.iterdump()))
    config = connections.settings["default"]
    name = config["NAME"]
    config["NAME"] = str(path)

    def read(sql, params=()):
        with contextlib.closing(sqlite3.connect(path)) as db:
            return db.execute(sql, params).fetchall()

    try:
        yield read
    finally:
        config["NAME"] = name


def _report_lines(round, count):
    """A report of 5607 with `count` lines."""
    from districts.models import District
    from reports.models import ReportLine
    from reports.services import report_get_or_start

    e = make_entrepreneur("5607")
    for n in range(count):
        make_product(e, name=f"สินค้าที่ {n + 1}")
    report = report_get_or_start(round=round, district=District.objects.get(code="5607"))
    return list(ReportLine.objects.filter(report=report).order_by("pk"))


def _signed_in_clients(users, count):
    clients = []
    for n in range(count):
        client = Client()
        client.force_login(users[n % len(users)])
        clients.append(client)
    return clients


def _save_all_at_once(posts):
    """Each (client, url, data) posted from its own thread, all released together;
    the responses in order."""
    barrier = threading.Barrier(len(posts))

    def post(client, url, data):
        barrier.wait(timeout=30)
        return client.post(url, data)

    return _in_threads(*((lambda p=p: post(*p)) for p in posts))


def _check_answers(responses):
    """Every save landed (302) or was refused with a clear message; none is a 500."""
    for response in responses:
        assert not isinstance(response, Exception), response
        assert response.status_code in (302, 409, 503), response.status_code
        page = response.content.decode()
        if response.status_code == 409:
            assert "ถูกแก้ไขไปแล้วโดย" in page
        if response.status_code == 503:
            assert "กรุณารอสักครู่แล้วกดบันทึกอีกครั้ง" in page


def _line_url(line):
    return reverse("reports:line_save", args=["2564-2", "5607", line.pk])


@on_sqlite
def test_twenty_officers_saving_different_lines_at_once_all_land(
    open_round, officer, colleague, tmp_path
):
    lines = _report_lines(open_round, SAVERS)
    clients = _signed_in_clients([officer, colleague], SAVERS)
    posts = [
        (client, _line_url(line), _line_form(line, 0, month_1=f"{1000 + n}"))
        for n, (client, line) in enumerate(zip(clients, lines, strict=True))
    ]
    with _on_a_sqlite_file(tmp_path) as read:
        responses = _save_all_at_once(posts)
        _check_answers(responses)
        assert [r.status_code for r in responses] == [302] * SAVERS
        stored = dict(
            read("SELECT id, month_1 FROM reports_reportline WHERE version = 1 ORDER BY id")
        )
    assert {pk: Decimal(str(v)) for pk, v in stored.items()} == {
        line.pk: Decimal(1000 + n) for n, line in enumerate(lines)
    }


@on_sqlite
def test_twenty_officers_saving_one_line_at_once_lose_nothing(
    open_round, officer, colleague, tmp_path
):
    (line,) = _report_lines(open_round, 1)
    clients = _signed_in_clients([officer, colleague], SAVERS)
    posts = [
        (client, _line_url(line), _line_form(line, 0, month_1=f"{1000 + n}"))
        for n, client in enumerate(clients)
    ]
    with _on_a_sqlite_file(tmp_path) as read:
        responses = _save_all_at_once(posts)
        _check_answers(responses)
        ((version, month_1),) = read(
            "SELECT version, month_1 FROM reports_reportline WHERE id = ?", [line.pk]
        )
    landed = [n for n, r in enumerate(responses) if r.status_code == 302]
    # The first save goes in; every other one was made on version 0 and is refused as
    # out of date, naming who saved first. The one that landed is what is stored.
    assert len(landed) == 1, [r.status_code for r in responses]
    assert (version, Decimal(str(month_1))) == (1, Decimal(1000 + landed[0]))


@on_sqlite
def test_a_save_that_cannot_get_the_lock_is_asked_to_try_again(
    open_round, officer, tmp_path, monkeypatch
):
    """A registry import holds SQLite's write lock longer than a save waits: the save is
    refused with a Thai "try again" page (503), not a server error, and nothing of it
    is stored."""
    import sqlite3

    (line,) = _report_lines(open_round, 1)
    (client,) = _signed_in_clients([officer], 1)
    with _on_a_sqlite_file(tmp_path) as read:
        options = connections.settings["default"]["OPTIONS"]
        monkeypatch.setitem(options, "timeout", 0.2)
        path = connections.settings["default"]["NAME"]
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as importer:
            importer.execute("BEGIN IMMEDIATE")  # the import's transaction
            (response,) = _in_threads(
                lambda: client.post(_line_url(line), _line_form(line, 0, month_1="500"))
            )
            (fetched,) = _in_threads(
                lambda: client.post(
                    _line_url(line),
                    _line_form(line, 0, month_1="500"),
                    HTTP_X_REQUESTED_WITH="fetch",
                )
            )
            importer.execute("ROLLBACK")
        stored = read("SELECT version, month_1 FROM reports_reportline WHERE id = ?", [line.pk])
    assert response.status_code == 503 and response["Retry-After"]
    assert "กรุณารอสักครู่แล้วกดบันทึกอีกครั้ง" in response.content.decode()
    assert fetched.status_code == 503 and fetched.json()["ok"] is False
    assert stored == [(0, 0)]  # nothing of the refused save


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_officers_saving_at_once_on_postgresql_get_no_server_error(
    officer, colleague, tmp_path
):
    """The same office on PostgreSQL: row locks and version checks, no 500."""
    from reports.models import ReportLine

    ahead = dt.date.today() + dt.timedelta(days=60)
    round = make_round(survey_deadline=ahead, report_deadline=ahead)
    lines = _report_lines(round, SAVERS // 2)
    clients = _signed_in_clients([officer, colleague], SAVERS)
    # Ten lines saved by two officers each, at once.
    posts = [
        (
            client,
            _line_url(lines[n % len(lines)]),
            _line_form(lines[n % len(lines)], 0, month_1=f"{1000 + n}"),
        )
        for n, client in enumerate(clients)
    ]
    responses = _save_all_at_once(posts)
    _check_answers(responses)
    landed = [n for n, r in enumerate(responses) if r.status_code == 302]
    assert len(landed) == len(lines)
    for n in landed:
        stored = ReportLine.objects.get(pk=lines[n % len(lines)].pk)
        assert (stored.version, stored.month_1) == (1, Decimal(1000 + n))
