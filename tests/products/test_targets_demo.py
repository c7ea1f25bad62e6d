"""Phayao's attachment 1 from the demo (a registry imported through the registry
service, official targets set through target_set) has the seed's figures exactly."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command

from products.demo.phayao import demo_load
from products.selectors import round_get
from products.services.targets import targets_import
from tests.products.test_targets_data import PHAYAO, PHAYAO_NAMES, targets_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_load()
    return round_get("2564-2")


def test_the_demos_attachment_1_is_the_seeds_table(demo, tmp_path):
    path = tmp_path / "targets.xlsx"
    call_command(
        "export_targets",
        "--round",
        "2564-2",
        "--province",
        "56",
        "-o",
        str(path),
        stdout=io.StringIO(),
    )
    ws = openpyxl.load_workbook(path).active
    got = [[ws.cell(r, c).value for c in range(1, 6)] for r in range(6, 16)]
    expected = [
        [n, name, e, p, t]
        for n, (name, (e, p, t)) in enumerate(zip(PHAYAO_NAMES, PHAYAO.values(), strict=True), 1)
    ]
    assert got == [*expected, ["รวม", None, 913, 1873, 215]]
    assert ws["A17"].value == "ณ วันที่ 1 เมษายน 2564"


def test_the_sample_official_targets_change_nothing_in_the_demo(demo, samples):
    before = targets_state()
    with open(samples / "targets_official.xlsx", "rb") as fh:
        result = targets_import(round=demo, file=fh, name="targets_official.xlsx")
    assert not result.changed
    assert [str(n) for n in result.notices] == ["แถว/ช่อง B13: “กุซาง” อ่านเป็น ภูซาง (5608)"]
    assert targets_state() == before
