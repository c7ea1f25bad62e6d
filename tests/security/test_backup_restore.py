"""Backup and restore, as tests/security/README-backup.md describes them, on the demo.

The demo (load_demo) is given some work (survey answers, report lines with sales, a
follow-up), backed up, the database emptied and restored; the KPI of every district,
the counts of everything and the logins must come back the same.

- dumpdata / loaddata (any database; the way to move a SQLite install): in one test
  transaction, so the emptied database is the test's own and comes back after it.
- pg_dump -Fc / pg_restore (PostgreSQL): into a new database, checked with
  `manage.py kpi` run against the restored database.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DUMP_EXCLUDES = ["contenttypes", "auth.permission", "sessions"]


def _some_work() -> None:
    """Answers, sales and a follow-up in two districts, through the services."""
    from districts.models import District, User
    from products.models import Product
    from products.selectors import round_get
    from reports.models import ReportLine
    from reports.services import report_get_or_start, report_line_save
    from surveys.models import EntrepreneurAnswer
    from surveys.services import AnswerData, survey_answer_save, survey_get_or_start

    round = round_get("2564-2")
    for code in ("5601", "5607"):
        district = District.objects.get(code=code)
        officer = User.objects.get(username=f"officer{code}")
        survey = survey_get_or_start(round=round, district=district)
        for answer in EntrepreneurAnswer.objects.filter(survey=survey).select_related(
            "entrepreneur"
        )[:5]:
            survey_answer_save(
                survey=survey,
                entrepreneur=answer.entrepreneur,
                by=officer,
                version=answer.version,
                today=round.starts_on,
                data=AnswerData(True, True, False, Decimal("1500.50"), set()),
            )
        report = report_get_or_start(round=round, district=district, by=officer)
        for i, line in enumerate(ReportLine.objects.filter(report=report).order_by("id")[:7]):
            report_line_save(
                line=line,
                by=officer,
                version=line.version,
                today=round.starts_on,
                values={
                    "facebook": True,
                    "month_1": Decimal(1000 + i),
                    "sales_baseline": Decimal(500),
                },
            )
    try:
        from plans.services import followup_record
    except ImportError:  # the plans app is optional to this test
        return
    product = Product.objects.base(round).filter(district_id="5607").first()
    followup_record(
        round=round,
        product=product,
        step="contacted",
        on=round.starts_on,
        note="โทรแล้ว",
        by=User.objects.get(username="officer5607"),
    )


def _kpi(*args) -> dict:
    out = io.StringIO()
    call_command("kpi", "--round", "2564-2", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def _counts() -> dict:
    skip = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
    return {
        m._meta.label_lower: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.label_lower not in skip and not m._meta.proxy
    }


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=io.StringIO())
    _some_work()
    return {"phayao": _kpi("--province", "56"), "country": _kpi(), "counts": _counts()}


@pytest.mark.django_db
def test_dumpdata_then_loaddata_into_an_empty_database_gives_the_same_figures(demo, tmp_path):
    from districts.models import User
    from products.demo.phayao import DEMO_PASSWORD

    assert demo["phayao"]["total"]["sold_online"] == 14  # the work is in the figures
    dump = tmp_path / "portal.json"
    call_command(
        "dumpdata",
        "--natural-foreign",
        *sum((["--exclude", e] for e in DUMP_EXCLUDES), []),
        "--output",
        str(dump),
        verbosity=0,
    )

    if connection.vendor == "postgresql":
        # The demo was loaded in this test's transaction: its foreign keys are checked at
        # the commit, and PostgreSQL will not empty a table with checks pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", "--no-input", verbosity=0)
    assert not User.objects.exists()
    call_command("loaddata", str(dump), verbosity=0)

    assert _kpi("--province", "56") == demo["phayao"]
    assert _kpi() == demo["country"]
    assert _counts() == demo["counts"]
    assert User.objects.get(username="officer5607").check_password(DEMO_PASSWORD)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt install postgresql-client)")
    return path


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump and pg_restore are PostgreSQL's tools"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pg_dump_then_pg_restore_into_a_new_database_gives_the_same_figures(demo, tmp_path):
    settings_dict = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
    common = [
        "-h",
        settings_dict.get("HOST") or "localhost",
        "-p",
        str(settings_dict.get("PORT") or 5432),
        "-U",
        settings_dict.get("USER") or "postgres",
    ]
    dump = tmp_path / "portal.dump"
    subprocess.run(
        [_pg_tool("pg_dump"), *common, "-Fc", "-f", str(dump), settings_dict["NAME"]],
        check=True,
        env=env,
        capture_output=True,
    )
    restored = f"restore_{uuid.uuid4().hex[:10]}"
    subprocess.run(
        [_pg_tool("createdb"), *common, restored], check=True, env=env, capture_output=True
    )
    try:
        subprocess.run(
            [_pg_tool("pg_restore"), *common, "--no-owner", "-d", restored, str(dump)],
            check=True,
            env=env,
            capture_output=True,
        )
        user = settings_dict.get("USER") or "postgres"
        password = settings_dict.get("PASSWORD") or ""
        url = (
            f"postgres://{user}{':' + password if password else ''}@"
            f"{settings_dict.get('HOST') or 'localhost'}:{settings_dict.get('PORT') or 5432}/"
            f"{restored}"
        )
        done = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "kpi",
                "--round",
                "2564-2",
                "--province",
                "56",
                "--format",
                "json",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x", "DEBUG": "0"},
        )
        assert json.loads(done.stdout) == demo["phayao"]
    finally:
        subprocess.run(
            [_pg_tool("dropdb"), *common, "--if-exists", restored], env=env, capture_output=True
        )
