"""Importing the flat registry: figures, idempotency, removals, dry runs, bad files."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from districts.models import District
from otop_portal.importing import ImportRefused
from otop_portal.spreadsheet import MSG_CSV_NAMED_XLSX, MSG_NO_SHEET, MSG_NOT_A_SPREADSHEET
from products import registry_workbook as rw
from products.models import Entrepreneur, Product, RegistrySnapshot
from products.selectors import targets_for_districts
from products.services.registry import registry_import, registry_import_file
from products.vocab import MSG_BAD_ENTREPRENEUR_TYPE, MSG_BAD_PRODUCT_TYPE
from tests.conftest import make_round

AS_OF = dt.date(2021, 4, 1)


def import_sample(samples, **kwargs):
    with open(samples / "registry.xlsx", "rb") as fh:
        return registry_import_file(
            file=fh, as_of=kwargs.pop("as_of", AS_OF), name="registry.xlsx", **kwargs
        )


def base_figures(round, codes=("5604", "5607")):
    figures = targets_for_districts(round=round, districts=District.objects.filter(code__in=codes))
    return {f.code: {"entrepreneurs": f.entrepreneurs, "products": f.products} for f in figures}


def state():
    """Everything an import may change, to compare before and after."""
    return (
        sorted(
            Entrepreneur.objects.values_list(
                "code", "name", "type", "subdistrict_id", "phone", "registered"
            )
        ),
        sorted(
            Product.objects.values_list(
                "code",
                "name",
                "type",
                "registered_year",
                "status",
                "registered",
                "entrepreneur__code",
            )
        ),
        RegistrySnapshot.objects.count(),
    )


def sample_rows(samples):
    return rw.registry_read(samples / "registry.xlsx").rows


@pytest.mark.django_db
def test_the_sample_registry_gives_the_expected_base_figures(samples):
    expected = __import__("json").loads((samples / "expected.json").read_text())["registry"]
    result = import_sample(samples)
    round = make_round()
    assert base_figures(round) == expected
    assert result.products.new == 210
    assert result.entrepreneurs.new == Entrepreneur.objects.count()
    snapshot = RegistrySnapshot.objects.get()
    assert snapshot.as_of == AS_OF
    assert snapshot.row_count == 210
    assert snapshot.source_name == "registry.xlsx"
    assert snapshot.summary["districts"]["5607"]["products"]["new"] == 104


@pytest.mark.django_db
def test_a_second_import_changes_nothing_and_reports_everything_unchanged(samples):
    import_sample(samples)
    before = state()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = import_sample(samples)
    assert not result.changed
    assert result.products.unchanged == 210
    assert result.entrepreneurs.unchanged == Entrepreneur.objects.count()
    assert (result.products.new, result.products.updated, result.products.removed) == (0, 0, 0)
    # The registry's rows are not written; the new snapshot records what it holds.
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith(
            tuple(
                f'{verb} "{table}"'
                for verb in ("INSERT INTO", "UPDATE", "DELETE FROM")
                for table in ("products_product", "products_entrepreneur")
            )
        )
    ]
    assert writes == []
    after = state()
    assert after[:2] == before[:2]
    assert after[2] == before[2] + 1  # the snapshot record itself


@pytest.mark.django_db
def test_a_newer_snapshot_without_a_product_marks_it_not_registered_and_it_leaves_the_base(
    samples,
):
    import_sample(samples)
    round = make_round()
    rows = sample_rows(samples)
    # An entrepreneur of 5607 with a single row: its product and itself leave the registry.
    per_owner = {}
    for r in rows:
        per_owner.setdefault(r.entrepreneur_code, []).append(r)
    gone = next(
        rs[0]
        for rs in per_owner.values()
        if len(rs) == 1
        and rs[0].district_code == "5607"
        and rs[0].status == "active"
        and 2557 <= rs[0].registered_year <= 2563
    )
    newer = [r for r in rows if r is not gone]

    result = registry_import(rows=newer, as_of=dt.date(2021, 5, 1), source_name="newer")

    product = Product.objects.get(code=gone.product_code)
    assert product.registered is False
    assert Entrepreneur.objects.get(code=gone.entrepreneur_code).registered is False
    by_district = {d.code: d for d in result.districts}
    assert by_district["5607"].products.removed == 1
    assert by_district["5607"].entrepreneurs.removed == 1
    assert by_district["5604"].products.unchanged == 106
    assert base_figures(round)["5607"] == {"entrepreneurs": 64, "products": 92}
    assert product.last_snapshot == result.snapshot

    # Back in a later snapshot, it is registered again: an update, not a new product.
    again = registry_import(rows=rows, as_of=dt.date(2021, 6, 1))
    assert again.products.updated == 1 and again.products.new == 0
    assert base_figures(round)["5607"] == {"entrepreneurs": 65, "products": 93}


@pytest.mark.django_db
def test_a_changed_row_is_updated_in_place(samples):
    import_sample(samples)
    rows = sample_rows(samples)
    rows[0].product_name = "ยาหม่องไพล สูตรใหม่"
    rows[0].registered_year = 2563
    old_id = Product.objects.get(code=rows[0].product_code).pk
    result = registry_import(rows=rows, as_of=dt.date(2021, 5, 1))
    assert result.products.updated == 1
    assert result.products.unchanged == 209
    product = Product.objects.get(code=rows[0].product_code)
    assert (product.pk, product.name, product.registered_year) == (old_id, "ยาหม่องไพล สูตรใหม่", 2563)


@pytest.mark.django_db
def test_a_dry_run_writes_nothing_and_reports_what_an_import_would_do(samples):
    before = state()
    dry = import_sample(samples, dry_run=True)
    assert state() == before
    assert dry.snapshot is None
    real = import_sample(samples)
    assert dry.summary() == real.summary()


@pytest.mark.django_db
def test_the_same_registry_as_csv_gives_the_same_figures(samples, tmp_path):
    expected = __import__("json").loads((samples / "expected.json").read_text())["registry"]
    path = tmp_path / "registry.csv"
    path.write_bytes(rw.registry_csv(sample_rows(samples)))
    with path.open("rb") as fh:
        registry_import_file(file=fh, as_of=AS_OF, name="registry.csv")
    assert base_figures(make_round()) == expected


def _cells(samples):
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(samples / "registry.xlsx"))
    return [list(r) for r in book.get_sheet_by_index(0).to_python()]


def write_xlsx(path, rows):
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("registry")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None and value != "":
                sheet.write(r, c, value)
    book.close()
    return path


@pytest.mark.django_db
def test_columns_are_found_by_header_in_any_order_without_the_optional_ones(samples, tmp_path):
    cells = _cells(samples)
    header = cells[0]
    keep = [h for h in header if h not in ("รหัสผลิตภัณฑ์", "สถานะ")]
    order = list(reversed(keep))
    index = {h: header.index(h) for h in header}
    rows = [[h.replace("OTOP", "\nOTOP").replace("ปีที่", " ปีที่ ") for h in order]]
    rows += [[r[index[h]] for h in order] for r in cells[1:]]
    path = write_xlsx(tmp_path / "shuffled.xlsx", rows)
    with path.open("rb") as fh:
        first = registry_import_file(file=fh, as_of=AS_OF, name=path.name)
    assert first.products.new == 210
    # Without codes, products are known by (entrepreneur, name): a second import matches them.
    with path.open("rb") as fh:
        second = registry_import_file(file=fh, as_of=AS_OF, name=path.name)
    assert not second.changed
    assert Product.objects.filter(code="").count() == 210


# ---------------------------------------------------------------------------
# Bad input: a clear message, no traceback, an unchanged database
# ---------------------------------------------------------------------------


def garbage(samples, tmp_path):
    path = tmp_path / "registry.xlsx"
    path.write_bytes(bytes(range(256)) * 40)
    return path, str(MSG_NOT_A_SPREADSHEET), None


def csv_named_xlsx(samples, tmp_path):
    path = tmp_path / "registry.xlsx"
    path.write_bytes(rw.registry_csv(sample_rows(samples)))
    return path, str(MSG_CSV_NAMED_XLSX), None


def empty_sheet(samples, tmp_path):
    return write_xlsx(tmp_path / "empty.xlsx", []), str(MSG_NO_SHEET), None


def header_only(samples, tmp_path):
    return write_xlsx(tmp_path / "header.xlsx", _cells(samples)[:1]), str(rw.MSG_NO_ROWS), None


def missing_column(samples, tmp_path):
    cells = [r[:5] + r[6:] for r in _cells(samples)]  # without ประเภทผลิตภัณฑ์ (F)
    return (
        write_xlsx(tmp_path / "missing.xlsx", cells),
        str(rw.MSG_MISSING_COLUMN % {"header": "ประเภทผลิตภัณฑ์"}),
        None,
    )


def unknown_district(samples, tmp_path):
    from districts.selectors import MSG_UNKNOWN_DISTRICT

    cells = _cells(samples)
    cells[5][10] = "เมืองลำปาง"
    message = str(MSG_UNKNOWN_DISTRICT % {"value": "เมืองลำปาง", "province": "พะเยา", "hint": ""})
    return write_xlsx(tmp_path / "district.xlsx", cells), message, (6, "K")


PRODUCT_TYPES_TH = "อาหาร, เครื่องดื่ม, ผ้าและเครื่องแต่งกาย, ของใช้ ของตกแต่ง ของที่ระลึก, สมุนไพรที่ไม่ใช่อาหาร"
ENTREPRENEUR_TYPES_TH = "กลุ่มผู้ผลิตชุมชน, ผู้ผลิตชุมชนที่เป็นเจ้าของรายเดียว, ผู้ผลิตที่เป็นวิสาหกิจขนาดกลางและขนาดย่อม"


def unknown_type(samples, tmp_path):
    cells = _cells(samples)
    cells[3][5] = "ของกิน"
    message = str(MSG_BAD_PRODUCT_TYPE % {"value": "ของกิน", "choices": PRODUCT_TYPES_TH})
    return write_xlsx(tmp_path / "type.xlsx", cells), message, (4, "F")


def unknown_entrepreneur_type(samples, tmp_path):
    cells = _cells(samples)
    cells[2][2] = "บริษัทมหาชน"
    message = str(
        MSG_BAD_ENTREPRENEUR_TYPE % {"value": "บริษัทมหาชน", "choices": ENTREPRENEUR_TYPES_TH}
    )
    return write_xlsx(tmp_path / "etype.xlsx", cells), message, (3, "C")


def duplicate_code(samples, tmp_path):
    cells = _cells(samples)
    cells[9][3] = cells[1][3]  # row 10 repeats row 2's product code
    message = str(rw.MSG_DUPLICATE_PRODUCT_CODE % {"code": cells[1][3], "row": 2})
    return write_xlsx(tmp_path / "duplicate.xlsx", cells), message, (10, "D")


BAD_FILES = [
    garbage,
    csv_named_xlsx,
    empty_sheet,
    header_only,
    missing_column,
    unknown_district,
    unknown_type,
    unknown_entrepreneur_type,
    duplicate_code,
]


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD_FILES, ids=lambda f: f.__name__)
def test_a_bad_file_is_refused_with_a_clear_message_and_changes_nothing(bad, samples, tmp_path):
    import_sample(samples)
    before = state()
    path, message, where = bad(samples, tmp_path)
    with pytest.raises(ImportRefused) as refused, path.open("rb") as fh:
        registry_import_file(file=fh, as_of=dt.date(2021, 5, 1), name=path.name)
    problems = refused.value.problems
    assert any(p.message.startswith(message) for p in problems), [str(p) for p in problems]
    if where:
        problem = next(p for p in problems if p.message.startswith(message))
        assert (problem.row, problem.column) == where
    assert state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD_FILES, ids=lambda f: f.__name__)
def test_the_command_prints_every_problem_without_a_traceback(bad, samples, tmp_path):
    import_sample(samples)
    before = state()
    path, message, _where = bad(samples, tmp_path)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="ไม่รับไฟล์"):
        call_command("import_registry", str(path), "--as-of", "2021-05-01", stdout=out, stderr=err)
    assert message in err.getvalue()
    assert "Traceback" not in err.getvalue() + out.getvalue()
    assert state() == before


@pytest.mark.django_db
def test_the_command_prints_the_summary_per_district(samples):
    out = io.StringIO()
    call_command(
        "import_registry", str(samples / "registry.xlsx"), "--as-of", "2564-04-01", stdout=out
    )
    text = out.getvalue()
    assert "5607" in text and "แม่ใจ" in text and "5604" in text
    assert RegistrySnapshot.objects.get().as_of == AS_OF  # 2564 read as Buddhist Era
    out = io.StringIO()
    call_command(
        "import_registry", str(samples / "registry.xlsx"), "--as-of", "2021-04-01", stdout=out
    )
    assert "ทุกแถวคงเดิม" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("as_of", ["2021-13-01", "yesterday", "2564-02-29"])
def test_the_command_refuses_a_bad_date(samples, as_of):
    with pytest.raises(CommandError, match="YYYY-MM-DD|ไม่มีวันนี้"):
        call_command("import_registry", str(samples / "registry.xlsx"), "--as-of", as_of)
    assert RegistrySnapshot.objects.count() == 0


@pytest.mark.django_db
def test_the_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="ไม่พบไฟล์"):
        call_command("import_registry", str(tmp_path / "none.xlsx"), "--as-of", "2021-04-01")


@pytest.mark.django_db
def test_the_command_dry_run_writes_nothing(samples):
    out = io.StringIO()
    call_command(
        "import_registry",
        str(samples / "registry.xlsx"),
        "--as-of",
        "2021-04-01",
        "--dry-run",
        stdout=out,
    )
    assert "--dry-run" in out.getvalue()
    assert (Product.objects.count(), RegistrySnapshot.objects.count()) == (0, 0)


# ---------------------------------------------------------------------------
# Performance is designed in: a fixed number of queries whatever the size
# ---------------------------------------------------------------------------


def generated(n_products: int, seed: int = 1):
    from products.demo.phayao import district_plans, registry_rows

    plans = district_plans({"5601": (max(1, n_products // 3), n_products)})
    for plan in plans:
        plan.extras = 0
    return list(registry_rows(plans, seed=seed))


QUERY_BOUND = 30


@pytest.mark.django_db
@pytest.mark.parametrize("n", [20, 200])
def test_the_import_query_count_does_not_grow_with_the_rows(
    n, tmp_path, django_assert_max_num_queries
):
    # One bound for 20 and for 200 rows: the import's statements do not grow with the
    # rows. (PostgreSQL's COPY path takes a few more fixed statements than SQLite's.)
    rows = generated(n)
    path = tmp_path / "generated.xlsx"
    rw.registry_write(rows, str(path))
    with django_assert_max_num_queries(QUERY_BOUND), path.open("rb") as fh:
        result = registry_import_file(file=fh, as_of=AS_OF, name=path.name)
    assert result.products.new == n
    # A second snapshot in which every row changed, and a third that removes them all
    # but one, stay within the same bound.
    changed = generated(n)
    for r in changed:
        r.product_name += " ใหม่"
        r.phone = "0899999999"
    with django_assert_max_num_queries(QUERY_BOUND):
        result = registry_import(rows=changed, as_of=AS_OF)
    assert result.products.updated == n
    with django_assert_max_num_queries(QUERY_BOUND):
        result = registry_import(rows=changed[:1], as_of=AS_OF)
    assert result.products.removed == n - 1


@pytest.mark.django_db
def test_two_products_may_swap_names_and_a_gone_products_name_may_be_reused():
    rows = generated(6)
    registry_import(rows=rows, as_of=AS_OF)
    owner = next(
        code
        for code in {r.entrepreneur_code for r in rows}
        if sum(r.entrepreneur_code == code for r in rows) >= 3
    )
    mine = [r for r in rows if r.entrepreneur_code == owner]
    a, b, c = mine[:3]
    names_before = {r.product_code: r.product_name for r in mine}
    # b takes a's name, and a takes the name of c, which leaves the registry.
    a.product_name, b.product_name = c.product_name, a.product_name
    rows.remove(c)

    result = registry_import(rows=rows, as_of=dt.date(2021, 5, 1))

    assert (result.products.updated, result.products.new, result.products.removed) == (2, 0, 1)
    names = dict(Product.objects.filter(entrepreneur__code=owner).values_list("code", "name"))
    assert names[a.product_code] == names_before[c.product_code]
    assert names[b.product_code] == names_before[a.product_code]
    assert names[c.product_code].startswith(c.product_name + rw_suffix())
    assert Product.objects.get(code=c.product_code).registered is False
    assert any(c.product_name in str(n) for n in result.notices)

    # And two products may swap their names.
    a.product_name, b.product_name = b.product_name, a.product_name
    result = registry_import(rows=rows, as_of=dt.date(2021, 6, 1))
    assert result.products.updated == 2


def rw_suffix():
    from products.services.registry import RETIRED_SUFFIX

    return RETIRED_SUFFIX


# ---------------------------------------------------------------------------
# A snapshot removes only in the provinces it lists
# ---------------------------------------------------------------------------


def two_provinces():
    """Generated rows of Phayao's 5601 and Chiang Mai's 5001."""
    from products.demo.phayao import district_plans, registry_rows

    plans = district_plans({"5601": (4, 8), "5001": (3, 6)})
    for plan in plans:
        plan.extras = 0
    return list(registry_rows(plans))


@pytest.mark.django_db
def test_a_provinces_file_does_not_unregister_the_rest_of_the_country():
    rows = two_provinces()
    registry_import(rows=rows, as_of=AS_OF)
    phayao = [r for r in rows if r.district_code == "5601"]
    gone = phayao.pop()

    result = registry_import(rows=phayao, as_of=dt.date(2021, 5, 1))

    assert result.provinces == {"56": "พะเยา"}
    assert result.summary()["provinces"] == {"56": "พะเยา"}
    assert result.products.removed == 1
    assert Product.objects.get(code=gone.product_code).registered is False
    chiang_mai = Product.objects.filter(district_id="5001")
    assert chiang_mai.count() == 6 and all(chiang_mai.values_list("registered", flat=True))
    assert Entrepreneur.objects.filter(district_id="5001", registered=True).count() == 3
    assert "5001" not in {d.code for d in result.districts}


@pytest.mark.django_db
def test_the_sample_of_two_districts_leaves_other_provinces_registered(samples):
    rows = two_provinces()
    registry_import(rows=rows, as_of=AS_OF)
    result = import_sample(samples, as_of=dt.date(2021, 5, 1))
    # Phayao's registry is the file's: its district 5601, absent, leaves the registry.
    assert Product.objects.filter(district_id="5601", registered=True).count() == 0
    assert {d.code: d.products.removed for d in result.districts}["5601"] == 8
    # Chiang Mai is not in the file and stays as it was.
    assert Product.objects.filter(district_id="5001", registered=True).count() == 6


@pytest.mark.django_db
def test_the_command_says_where_missing_products_are_removed(samples):
    out = io.StringIO()
    call_command(
        "import_registry", str(samples / "registry.xlsx"), "--as-of", "2021-04-01", stdout=out
    )
    from products.services.registry import MSG_REMOVES_IN_PROVINCES

    assert str(MSG_REMOVES_IN_PROVINCES % {"provinces": "พะเยา"}) in out.getvalue()
    snapshot = RegistrySnapshot.objects.get()
    assert snapshot.summary["provinces"] == {"56": "พะเยา"}


@pytest.mark.django_db
def test_text_with_quotes_commas_and_backslashes_and_empty_cells_is_kept_as_it_is():
    """On PostgreSQL the rows are copied as CSV: nothing in a name may change, and an
    empty house number stays an empty text, not NULL."""
    rows = generated(3)
    rows[0].product_name = 'น้ำพริก "สูตรแม่", เผ็ด\\มาก'
    for r in rows:
        if r.entrepreneur_code == rows[0].entrepreneur_code:
            r.entrepreneur_name = "กลุ่ม 'ดาว', \\N"
            r.house_no = r.moo = r.phone = ""
    registry_import(rows=rows, as_of=AS_OF)
    product = Product.objects.select_related("entrepreneur").get(code=rows[0].product_code)
    assert product.name == 'น้ำพริก "สูตรแม่", เผ็ด\\มาก'
    entrepreneur = product.entrepreneur
    assert entrepreneur.name == "กลุ่ม 'ดาว', \\N"
    assert (entrepreneur.house_no, entrepreneur.moo, entrepreneur.phone) == ("", "", "")
    assert not registry_import(rows=rows, as_of=AS_OF).changed


@pytest.mark.django_db
def test_a_page_that_loads_the_round_does_not_load_the_snapshots_summary(
    samples, django_assert_num_queries
):
    # The summary of a country's import is 200 KB of JSON; every page loads the round
    # and decoding it cost each page 5 ms. The round alone is one row, without joins
    # (issue #19); the pages that show its snapshot read it without the summary.
    from products.selectors import round_get, round_snapshot

    result = import_sample(samples)
    make_round(snapshot=result.snapshot)

    with django_assert_num_queries(1) as queries:
        round = round_get("2564-2")
    assert "JOIN" not in queries.captured_queries[0]["sql"]
    with django_assert_num_queries(1):
        snapshot = round_snapshot(round)
    with django_assert_num_queries(0):
        assert round_snapshot(round) is snapshot and round.snapshot is snapshot
    assert snapshot == result.snapshot
    assert "summary" in snapshot.get_deferred_fields()

    with django_assert_num_queries(1):
        round = round_get("2564-2", snapshot=True)
        snapshot = round_snapshot(round)
    assert snapshot == result.snapshot
    assert "summary" in snapshot.get_deferred_fields()
