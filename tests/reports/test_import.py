"""Reading attachment 3 as officers fill it: what is accepted, and every refusal."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from districts.models import District
from otop_portal.importing import ImportRefused
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.workflow import WorkflowError
from reports.models import Report, ReportLine
from reports.services import report_import
from tests.conftest import make_entrepreneur, make_product
from tests.reports.conftest import data_row, make_line, make_report, report_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def maechai(round_2564):
    """District 5607 with two entrepreneurs: A with two products, B with one, and a
    cancelled product of A."""
    a = make_entrepreneur("5607", code="560799001", name="กลุ่มทอผ้า")
    b = make_entrepreneur("5607", code="560799002", name="นายแม่ใจ")
    return {
        "a": a,
        "b": b,
        "scarf": make_product(a, name="ผ้าพันคอฝ้าย"),
        "bag": make_product(a, name="กระเป๋าผ้าปัก"),
        "coffee": make_product(b, name="กาแฟดอยหลวง"),
        "old": make_product(a, name="ผ้าเก่า", status="cancelled"),
        "district": District.objects.get(code="5607"),
    }


def _import(path, round, district, **kwargs):
    with open(path, "rb") as fh:
        return report_import(round=round, district=district, file=fh, name=path.name, **kwargs)


def _snapshot():
    return list(ReportLine.objects.order_by("id").values())


def _refusal(tmp_path, round, district, rows) -> list[str]:
    path = report_file(tmp_path / "r.xlsx", round, rows)
    before = _snapshot()
    with pytest.raises(ImportRefused) as exc:
        _import(path, round, district)
    assert _snapshot() == before
    return [str(p) for p in exc.value.problems]


def test_it_reads_thai_digits_separators_dashes_and_yes_marks(tmp_path, round_2564, maechai):
    rows = [
        data_row(
            "560799001",
            "ผ้าพันคอฝ้าย",
            channels=("๑", "✓", "", "1", ""),
            other="TikTok",
            url="https://shopee.co.th/x",
            months=("๑,๒๐๐", "4,500.5", "-", 0, "", "18,000"),
            total="23,700.5",
            baseline="๕,๐๐๐",
            note="ส่งทางไปรษณีย์",
        ),
        data_row("560799002", "กาแฟดอยหลวง", months=(350, "", "", "", "", "")),
    ]
    result = _import(
        report_file(tmp_path / "r.xlsx", round_2564, rows), round_2564, maechai["district"]
    )

    line = ReportLine.objects.get(product=maechai["scarf"])
    assert (line.facebook, line.line, line.shopee, line.lazada, line.otop_today) == (
        True,
        True,
        False,
        True,
        False,
    )
    assert line.other_channel == "TikTok"
    assert line.url == "https://shopee.co.th/x"
    assert [line.month_1, line.month_2, line.month_3, line.month_6] == [
        Decimal("1200"),
        Decimal("4500.50"),
        Decimal("0"),
        Decimal("18000"),
    ]
    assert line.sales_total == Decimal("23700.50")
    assert line.sales_baseline == Decimal("5000")
    assert line.note == "ส่งทางไปรษณีย์"
    assert line.baseline_source == "imported"
    assert result.figures.sold_online == 2
    assert result.figures.sales_round == Decimal("24050.50")
    assert any("✓" in str(n) for n in result.notices)


def test_a_product_absent_from_the_file_keeps_no_sales(tmp_path, round_2564, maechai):
    report = make_report(round_2564, "5607")
    make_line(report, maechai["bag"], months=[999], baseline=100, facebook=True, note="เดิม")
    rows = [data_row("560799002", "กาแฟดอยหลวง", months=(350, "", "", "", "", ""))]

    result = _import(
        report_file(tmp_path / "r.xlsx", round_2564, rows), round_2564, maechai["district"]
    )

    bag = ReportLine.objects.get(product=maechai["bag"])
    assert bag.sales_total == 0
    assert bag.facebook is False and bag.note == ""
    assert bag.sales_baseline == Decimal("100")  # the file says nothing about last year
    assert result.absent == 2  # the bag and the scarf
    assert result.absent_with_sales == ["กระเป๋าผ้าปัก"]
    assert any("กระเป๋าผ้าปัก" in w for w in result.warnings)
    assert result.figures.sold_online == 1


def test_a_dry_run_changes_nothing_but_gives_the_figures(tmp_path, round_2564, maechai):
    rows = [data_row("560799002", "กาแฟดอยหลวง", months=(350, "", "", "", "", ""), baseline=100)]
    result = _import(
        report_file(tmp_path / "r.xlsx", round_2564, rows),
        round_2564,
        maechai["district"],
        dry_run=True,
    )
    assert result.figures.sold_online == 1
    assert result.figures.sales_growth_pct == Decimal("250.00")
    assert not Report.objects.exists()
    assert not ReportLine.objects.exists()


def test_it_refuses_a_total_that_disagrees_with_the_months(tmp_path, round_2564, maechai):
    problems = _refusal(
        tmp_path,
        round_2564,
        maechai["district"],
        [
            data_row("560799002", "กาแฟดอยหลวง", months=(350, 100, "", "", "", ""), total=500),
        ],
    )
    assert len(problems) == 1
    assert "S7" in problems[0]
    assert "500.00" in problems[0] and "450.00" in problems[0]


def test_it_refuses_another_districts_product(tmp_path, round_2564, maechai):
    other = make_entrepreneur("5604", code="560499001")
    make_product(other, name="ไวน์ลูกหม่อน")
    problems = _refusal(
        tmp_path,
        round_2564,
        maechai["district"],
        [
            data_row("560499001", "ไวน์ลูกหม่อน", months=(100, "", "", "", "", "")),
        ],
    )
    assert "เชียงม่วน" in problems[0] and "560499001" in problems[0]


def test_it_refuses_duplicate_rows(tmp_path, round_2564, maechai):
    problems = _refusal(
        tmp_path,
        round_2564,
        maechai["district"],
        [
            data_row("560799002", "กาแฟดอยหลวง", months=(100, "", "", "", "", "")),
            data_row("560799002", "กาแฟ ดอยหลวง", months=(200, "", "", "", "", "")),
        ],
    )
    assert len(problems) == 1
    assert "ซ้ำกับแถว 7" in problems[0]


@pytest.mark.parametrize(
    "url", ["ftp://shop.example/x", "www.shopee.co.th/x", "javascript:alert(1)", "https://"]
)
def test_it_refuses_a_link_that_is_not_http(tmp_path, round_2564, maechai, url):
    problems = _refusal(
        tmp_path,
        round_2564,
        maechai["district"],
        [
            data_row("560799002", "กาแฟดอยหลวง", url=url, months=(100, "", "", "", "", "")),
        ],
    )
    assert "L7" in problems[0]


def test_it_refuses_amounts_that_are_not_numbers(tmp_path, round_2564, maechai):
    problems = _refusal(
        tmp_path,
        round_2564,
        maechai["district"],
        [
            data_row(
                "560799002", "กาแฟดอยหลวง", months=("หนึ่งร้อย", "", "", "", "", ""), baseline="-5"
            ),
        ],
    )
    assert any("M7" in p and "หนึ่งร้อย" in p for p in problems)
    assert any("T7" in p for p in problems)


def test_it_refuses_an_unknown_product_with_the_closest_names(tmp_path, round_2564, maechai):
    problems = _refusal(
        tmp_path,
        round_2564,
        maechai["district"],
        [
            data_row("560799001", "ผ้าพันคอฝ้ายย", months=(100, "", "", "", "", "")),
            data_row("560799009", "กาแฟดอยหลวง", months=(100, "", "", "", "", "")),
        ],
    )
    assert "ผ้าพันคอฝ้าย" in problems[0].split("ใกล้เคียง")[1]
    assert "560799009" in problems[1] and "560799001" in problems[1]


def test_it_skips_a_product_outside_the_base_and_says_so(tmp_path, round_2564, maechai):
    rows = [data_row("560799001", "ผ้าเก่า", months=(100, "", "", "", "", ""))]
    result = _import(
        report_file(tmp_path / "r.xlsx", round_2564, rows), round_2564, maechai["district"]
    )
    assert result.rows == 0
    assert any("ผ้าเก่า" in str(n) and "ยกเลิก" in str(n) for n in result.notices)
    assert result.figures.sold_online == 0


def test_it_carries_an_entrepreneur_code_down_merged_rows(tmp_path, round_2564, maechai):
    rows = [
        data_row("560799001", "ผ้าพันคอฝ้าย", months=(100, "", "", "", "", "")),
        data_row("", "กระเป๋าผ้าปัก", months=(50, "", "", "", "", "")),
    ]
    result = _import(
        report_file(tmp_path / "r.xlsx", round_2564, rows), round_2564, maechai["district"]
    )
    assert result.figures.sold_online == 2


def test_it_refuses_a_file_without_the_header(tmp_path, round_2564, maechai):
    path = report_file(tmp_path / "r.xlsx", round_2564, [], header=(["ชื่อ", "ยอด"], []))
    with pytest.raises(ImportRefused) as exc:
        _import(path, round_2564, maechai["district"])
    assert "หัวตาราง" in str(exc.value.problems[0])


def test_it_refuses_months_that_are_not_the_rounds(tmp_path, round_2564, maechai):
    from tests.reports.conftest import h1_h2

    h1, h2 = h1_h2(round_2564)
    h2[12:18] = ["ต.ค.", "พ.ย.", "ธ.ค.", "ม.ค.", "ก.พ.", "มี.ค."]
    path = report_file(tmp_path / "r.xlsx", round_2564, [], header=(h1, h2))
    with pytest.raises(ImportRefused) as exc:
        _import(path, round_2564, maechai["district"])
    assert "เม.ย." in str(exc.value.problems[0])


def test_it_refuses_a_file_that_is_not_a_spreadsheet(tmp_path, round_2564, maechai):
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(SpreadsheetError):
        _import(path, round_2564, maechai["district"])


def test_it_refuses_to_import_into_an_approved_report(tmp_path, round_2564, maechai):
    make_report(round_2564, "5607", status="approved")
    rows = [data_row("560799002", "กาแฟดอยหลวง", months=(350, "", "", "", "", ""))]
    with pytest.raises(WorkflowError):
        _import(report_file(tmp_path / "r.xlsx", round_2564, rows), round_2564, maechai["district"])
    assert ReportLine.objects.filter(month_1__gt=0).count() == 0


def test_an_exported_report_imports_back_unchanged(tmp_path, round_2564, maechai):
    report = make_report(round_2564, "5607")
    make_line(
        report,
        maechai["scarf"],
        months=[100, 0, 0, 0, 0, 20.5],
        baseline=50,
        shopee=True,
        url="https://x.example/a",
        note="หมายเหตุ",
    )
    make_line(report, maechai["bag"], months=[0], baseline=None)
    make_line(report, maechai["coffee"], months=[0, 7], baseline=0)
    path = tmp_path / "out.xlsx"
    call_command(
        "export_report",
        "--round",
        "2564-2",
        "--district",
        "5607",
        "-o",
        str(path),
        stdout=io.StringIO(),
    )
    before = _snapshot()

    result = _import(path, round_2564, maechai["district"])

    assert result.changed == 0
    assert result.rows == 3
    assert _snapshot() == before


def test_the_command_prints_every_problem_without_a_traceback(tmp_path, round_2564, maechai):
    path = report_file(
        tmp_path / "r.xlsx",
        round_2564,
        [
            data_row("560799002", "กาแฟดอยหลวง", months=("x", "", "", "", "", ""), url="ftp://a"),
        ],
    )
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_report",
            str(path),
            "--round",
            "2564-2",
            "--district",
            "5607",
            stderr=err,
            stdout=io.StringIO(),
        )
    assert "2 รายการ" in str(exc.value)
    assert "M7" in err.getvalue() and "L7" in err.getvalue()


def test_the_command_refuses_a_broken_file_without_a_traceback(tmp_path, round_2564, maechai):
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_report",
            str(path),
            "--round",
            "2564-2",
            "--district",
            "5607",
            stdout=io.StringIO(),
        )
    assert "ไม่รับไฟล์" in str(exc.value)


def test_the_command_dry_run_writes_nothing(tmp_path, round_2564, maechai):
    path = report_file(
        tmp_path / "r.xlsx",
        round_2564,
        [
            data_row("560799002", "กาแฟดอยหลวง", months=(350, "", "", "", "", "")),
        ],
    )
    out = io.StringIO()
    call_command(
        "import_report",
        str(path),
        "--round",
        "2564-2",
        "--district",
        "5607",
        "--dry-run",
        stdout=out,
    )
    assert "ขายออนไลน์ได้ 1" in out.getvalue()
    assert "--dry-run" in out.getvalue()
    assert not ReportLine.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "cell", "limit"),
    [
        ("other", "ช่องทาง" + "ก" * 94, "K7", 100),
        ("url", "https://shop.example/" + "x" * 480, "L7", 500),
        ("note", "หมายเหตุ" + "ก" * 493, "U7", 500),
    ],
)
def test_it_refuses_text_longer_than_its_field(
    tmp_path, round_2564, maechai, field, value, cell, limit
):
    """A cell longer than the field it goes to is refused, naming the cell and the limit;
    nothing is cut and nothing is written (PostgreSQL refused the link with a DataError,
    and the channel and the note were cut without a word)."""
    problems = _refusal(
        tmp_path,
        round_2564,
        maechai["district"],
        [data_row("560799002", "กาแฟดอยหลวง", months=(100, "", "", "", "", ""), **{field: value})],
    )
    assert len(problems) == 1
    assert cell in problems[0]
    assert f"ยาวเกิน {limit} ตัวอักษร" in problems[0]


def test_it_accepts_text_as_long_as_its_field(tmp_path, round_2564, maechai):
    url = "https://shop.example/" + "x" * 479
    _import(
        report_file(
            tmp_path / "r.xlsx",
            round_2564,
            [
                data_row(
                    "560799002",
                    "กาแฟดอยหลวง",
                    other="ก" * 100,
                    url=url,
                    note="น" * 500,
                    months=(100, "", "", "", "", ""),
                )
            ],
        ),
        round_2564,
        maechai["district"],
    )
    line = ReportLine.objects.get(product=maechai["coffee"])
    assert (line.other_channel, line.url, line.note) == ("ก" * 100, url, "น" * 500)
