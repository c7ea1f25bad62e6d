"""Fixtures of the survey tests: the sample registry, a survey with data, and files."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from tests.conftest import make_entrepreneur, make_product


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    # Uploaded files go to the test's own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sample_registry(db, samples, round_2564):
    """The sample registry (both districts) imported as of 1 April 2564."""
    from products.services.registry import registry_import_file

    with (samples / "registry.xlsx").open("rb") as fh:
        registry_import_file(file=fh, as_of=dt.date(2021, 4, 1), name="registry.xlsx")
    return round_2564


@pytest.fixture
def small_registry(db, round_2564):
    """Three entrepreneurs of 5607 with five base products, one product outside the base,
    and one entrepreneur of 5604."""
    a = make_entrepreneur("5607", code="560700101", name="กลุ่มทอผ้าบ้านแม่ใจ")
    b = make_entrepreneur("5607", code="560700102", name="นายสมชาย ใจดี", type=2)
    c = make_entrepreneur("5607", code="560700103", name='=HYPERLINK("x")')
    other = make_entrepreneur("5604", code="560400101", name="กลุ่มเชียงม่วน")
    products = {
        "a1": make_product(a, name="ผ้าทอไทลื้อ", type=3),
        "a2": make_product(a, name="ผ้าพันคอฝ้าย", type=3),
        "a_new": make_product(a, name="ผลิตภัณฑ์ใหม่", registered_year=2564),
        "b1": make_product(b, name="น้ำพริกลาบ", type=1),
        "b2": make_product(b, name="+แคบหมู", type=1),
        "c1": make_product(c, name="-ยาหม่องไพล", type=5),
        "o1": make_product(other, name="ชาเชียงม่วน", type=2),
    }
    return {"round": round_2564, "a": a, "b": b, "c": c, "other": other, **products}


def xlsx_bytes(rows: list[list], merges: list[str] = ()) -> io.BytesIO:
    """A workbook written with openpyxl, as an officer's Excel would save it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
