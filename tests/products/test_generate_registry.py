"""generate_registry: a deterministic country-sized registry that imports cleanly."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from districts.models import District
from products.demo.scale import ENTREPRENEURS_PER_ROW, country_plans
from products.models import Entrepreneur, Product
from products.selectors import round_get, targets_for_districts


def generate(path, *args) -> str:
    out = io.StringIO()
    call_command("generate_registry", "-o", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_spreads_the_rows_over_every_district():
    plan = country_plans(rows=5000, seed=1)
    assert len(plan.plans) == District.objects.count() == 928
    assert plan.rows == 5000
    for p in plan.plans:
        assert 1 <= p.entrepreneurs <= p.products <= 8 * p.entrepreneurs
    # About 93 entrepreneurs for 200 products, and districts of unequal sizes.
    assert plan.entrepreneurs == pytest.approx(5000 * ENTREPRENEURS_PER_ROW, rel=0.05)
    sizes = sorted(p.products for p in plan.plans)
    assert sizes[-1] > 4 * sizes[len(sizes) // 2]


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_file(tmp_path):
    generate(tmp_path / "a.csv", "--products", "3000")
    generate(tmp_path / "b.csv", "--products", "3000", "--seed", "1")
    generate(tmp_path / "c.csv", "--products", "3000", "--seed", "2")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()
    with (tmp_path / "a.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "รหัสผู้ประกอบการ OTOP"
    assert len(rows) == 1 + 3000


@pytest.mark.django_db
def test_its_output_imports_cleanly(tmp_path):
    path = tmp_path / "registry.xlsx"
    out = generate(path, "--products", "2000")
    assert "2,000 แถว" in out

    call_command("setup_round", "2564-2", stdout=io.StringIO())
    call_command("import_registry", str(path), "--as-of", "2021-04-01", stdout=io.StringIO())

    plan = country_plans(rows=2000, seed=1)
    assert Product.objects.count() == 2000
    assert Product.objects.values("district").distinct().count() == 928
    figures = targets_for_districts(round=round_get("2564-2"), districts=District.objects.all())
    assert sum(f.products for f in figures) == plan.products
    assert sum(f.entrepreneurs for f in figures) == plan.entrepreneurs
    assert Entrepreneur.objects.count() >= plan.entrepreneurs

    again = io.StringIO()
    call_command("import_registry", str(path), "--as-of", "2021-04-01", "--dry-run", stdout=again)
    assert "ทุกแถวคงเดิม" in again.getvalue()


@pytest.mark.django_db
def test_it_can_generate_one_province(tmp_path):
    path = tmp_path / "phayao.csv"
    generate(path, "--products", "400", "--province", "56")
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 400
    assert {r["จังหวัด"] for r in rows} == {"พะเยา"}
    assert len({r["อำเภอ"] for r in rows}) == 9


@pytest.mark.django_db
def test_it_refuses_too_few_rows_for_the_districts(tmp_path):
    with pytest.raises(CommandError, match="ต้องมีอย่างน้อย 1856 แถว"):
        generate(tmp_path / "r.xlsx", "--products", "100")
    assert not (tmp_path / "r.xlsx").exists()


@pytest.mark.django_db
def test_it_refuses_an_unknown_format(tmp_path):
    with pytest.raises(CommandError, match="ods"):
        generate(tmp_path / "r.ods")


@pytest.mark.django_db
def test_it_refuses_an_unknown_province(tmp_path):
    with pytest.raises(CommandError, match="ไม่พบอำเภอ"):
        generate(tmp_path / "r.csv", "--province", "99")
