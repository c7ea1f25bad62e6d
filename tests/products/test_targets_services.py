"""targets_import and target_set: all or nothing, idempotent, who may, and history."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from districts.models import District
from otop_portal.importing import ImportRefused
from products.models import Target
from products.selectors import targets_for_districts
from products.services.targets import target_set, targets_import
from tests.products.test_targets_data import PHAYAO, build_phayao, targets_state

pytestmark = pytest.mark.django_db


def import_sample(samples, round, **kwargs):
    with open(samples / "targets_official.xlsx", "rb") as fh:
        return targets_import(round=round, file=fh, name="targets_official.xlsx", **kwargs)


def officials(round) -> dict[str, int]:
    return dict(Target.objects.filter(round=round).values_list("district_id", "official"))


def sample_with(samples, change) -> io.BytesIO:
    wb = openpyxl.load_workbook(samples / "targets_official.xlsx")
    change(wb.active)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def district(code: str) -> District:
    return District.objects.get(code=code)


def test_it_imports_the_official_targets_of_the_sample(samples, round_2564):
    expected = json.loads((samples / "expected.json").read_text())["targets_official"]
    result = import_sample(samples, round_2564)
    assert officials(round_2564) == expected
    assert result.province.code == "56"
    assert result.count("new") == 9
    assert result.changed
    assert "แถว/ช่อง B13: “กุซาง” อ่านเป็น ภูซาง (5608)" in [str(n) for n in result.notices]
    target = Target.objects.get(round=round_2564, district_id="5601")
    assert target.reason == "นำเข้าจากไฟล์ targets_official.xlsx"
    assert target.history.count() == 1


def test_the_effective_targets_become_the_official_ones(samples, round_2564):
    build_phayao(round_2564)
    import_sample(samples, round_2564)
    rows = targets_for_districts(
        round=round_2564, districts=District.objects.filter(province_id="56")
    )
    assert sum(r.target for r in rows) == 215
    assert sum(r.target_computed for r in rows) == 211
    assert {r.code: r.target_difference for r in rows}["5601"] == 1  # 60 against ceil(58.08)


def test_importing_the_same_file_twice_changes_nothing_and_says_so(samples, round_2564):
    import_sample(samples, round_2564)
    before = targets_state()
    result = import_sample(samples, round_2564)
    assert not result.changed
    assert result.count("unchanged") == 9
    assert targets_state() == before


def test_it_writes_only_the_targets_that_change(samples, round_2564, province_staff):
    import_sample(samples, round_2564)
    history = Target.history.count()
    changed = sample_with(samples, lambda ws: ws.__setitem__("E7", 16))
    result = targets_import(round=round_2564, file=changed, by=province_staff, name="v2.xlsx")
    assert [c.code for c in result.changes if c.status == "updated"] == ["5602"]
    assert [(c.old, c.new) for c in result.changes if c.code == "5602"] == [(15, 16)]
    assert officials(round_2564)["5602"] == 16
    assert Target.history.count() == history + 1
    latest = Target.objects.get(round=round_2564, district_id="5602").history.first()
    assert (latest.history_user, latest.reason) == (province_staff, "นำเข้าจากไฟล์ v2.xlsx")


def test_districts_absent_from_the_file_keep_their_targets(samples, round_2564, province_staff):
    target_set(
        round=round_2564, district=district("5609"), official=40, reason="ทดสอบ", by=province_staff
    )

    def drop_phukamyao(ws):
        ws.delete_rows(14)

    result = targets_import(round=round_2564, file=sample_with(samples, drop_phukamyao))
    assert officials(round_2564)["5609"] == 40
    assert [c.status for c in result.changes if c.code == "5609"] == ["absent"]
    assert "อำเภอภูกามยาว ไม่มีในไฟล์ เป้าหมายเดิมไม่เปลี่ยน" in [str(n) for n in result.notices]


def test_a_dry_run_reports_the_changes_and_writes_nothing(samples, round_2564):
    before = targets_state()
    result = import_sample(samples, round_2564, dry_run=True)
    assert result.dry_run and result.count("new") == 9
    assert targets_state() == before


def test_it_notes_a_base_that_differs_from_the_portals(samples, round_2564):
    result = import_sample(samples, round_2564)  # no registry: the portal's base is empty
    assert any("ไฟล์ระบุจำนวนผลิตภัณฑ์ 528 แต่ฐานข้อมูลในระบบมี 0" in str(n) for n in result.notices)


def test_with_the_seeds_base_it_notes_nothing_but_kusang(samples, round_2564):
    build_phayao(round_2564)
    result = import_sample(samples, round_2564)
    assert [str(n) for n in result.notices] == ["แถว/ช่อง B13: “กุซาง” อ่านเป็น ภูซาง (5608)"]


def _garbage(samples):
    return io.BytesIO(b"\x89garbage\x00" * 100)


def _csv_named_xlsx(samples):
    return io.BytesIO("ที่,อำเภอ,เป้าหมาย\n1,จุน,15\n".encode())


def _empty_sheet(samples):
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    buffer.seek(0)
    return buffer


def _missing_column(samples):
    return sample_with(samples, lambda ws: ws.__setitem__("B4", "พื้นที่"))


def _unknown_district(samples):
    return sample_with(samples, lambda ws: ws.__setitem__("B8", "เชียงแสน"))


def _duplicate_district(samples):
    return sample_with(samples, lambda ws: ws.__setitem__("B7", "เมืองพะเยา"))


def _not_a_number(samples):
    return sample_with(samples, lambda ws: ws.__setitem__("E7", "สิบห้า"))


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_garbage, "ไม่ใช่ไฟล์ Excel"),
        (_csv_named_xlsx, "ไฟล์นี้เป็นข้อความ CSV แต่ตั้งชื่อเป็น .xlsx"),
        (_empty_sheet, "ไม่พบแผ่นงานที่มีข้อมูล"),
        (_missing_column, "ไม่พบคอลัมน์ “อำเภอ”"),
        (_unknown_district, "ไม่พบอำเภอ “เชียงแสน” ในจังหวัดพะเยา ชื่อที่ใกล้เคียง:"),
        (_duplicate_district, "อำเภอเมืองพะเยา ซ้ำกับแถว 6"),
        (_not_a_number, "“สิบห้า” ไม่ใช่ตัวเลข"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_changes_nothing(
    samples, round_2564, province_staff, make, says
):
    target_set(
        round=round_2564, district=district("5602"), official=99, reason="เดิม", by=province_staff
    )
    before = targets_state()
    with pytest.raises(ImportRefused) as exc:
        targets_import(
            round=round_2564,
            file=make(samples),
            name="targets.xlsx",
            province="56",
            by=province_staff,
        )
    assert any(says in str(p) for p in exc.value.problems), [str(p) for p in exc.value.problems]
    assert targets_state() == before


def test_staff_of_another_province_may_not_import(samples, round_2564, other_province_staff):
    with pytest.raises(PermissionDenied):
        import_sample(samples, round_2564, by=other_province_staff)
    assert not Target.objects.exists()


def test_an_officer_may_not_import(samples, round_2564, officer):
    with pytest.raises(PermissionDenied):
        import_sample(samples, round_2564, by=officer)


# --- target_set --------------------------------------------------------------------


def test_provincial_staff_set_an_official_target_with_a_reason(round_2564, province_staff):
    target = target_set(
        round=round_2564,
        district=district("5607"),
        official=12,
        reason="ตามหนังสือจังหวัด",
        by=province_staff,
    )
    assert (target.official, target.reason, target.set_by) == (12, "ตามหนังสือจังหวัด", province_staff)
    record = target.history.get()
    assert (record.history_user, record.official, record.reason) == (
        province_staff,
        12,
        "ตามหนังสือจังหวัด",
    )


def test_an_administrator_sets_any_districts_target(round_2564, admin):
    target = target_set(
        round=round_2564, district=district("5001"), official=5, reason="แก้ไข", by=admin
    )
    assert target.official == 5


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(round_2564, province_staff, reason):
    with pytest.raises(ValidationError) as exc:
        target_set(
            round=round_2564,
            district=district("5607"),
            official=12,
            reason=reason,
            by=province_staff,
        )
    assert exc.value.message_dict == {"reason": ["กรุณาระบุเหตุผล"]}
    assert not Target.objects.exists()


def test_a_negative_target_is_refused(round_2564, province_staff):
    with pytest.raises(ValidationError):
        target_set(
            round=round_2564, district=district("5607"), official=-1, reason="x", by=province_staff
        )


@pytest.mark.parametrize("who", ["officer", "outsider", "other_province_staff"])
def test_only_the_provinces_staff_and_administrators_set_targets(round_2564, request, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        target_set(round=round_2564, district=district("5607"), official=12, reason="x", by=user)
    assert not Target.objects.exists()


def test_clearing_returns_the_district_to_its_computed_target(round_2564, province_staff):
    build_phayao(round_2564)
    d = district("5601")
    target_set(round=round_2564, district=d, official=60, reason="ตามหนังสือจังหวัด", by=province_staff)
    assert (
        target_set(
            round=round_2564, district=d, official=None, reason="ใช้ค่าที่คำนวณ", by=province_staff
        )
        is None
    )
    (row,) = targets_for_districts(round=round_2564, districts=District.objects.filter(code="5601"))
    assert (row.target_official, row.target) == (None, 59)


def test_the_history_keeps_who_when_what_and_why(round_2564, province_staff, admin):
    d = district("5607")
    target_set(round=round_2564, district=d, official=12, reason="ครั้งแรก", by=province_staff)
    target_set(round=round_2564, district=d, official=14, reason="ปรับตามหนังสือ", by=admin)
    target_set(
        round=round_2564, district=d, official=None, reason="กลับไปใช้ค่าคำนวณ", by=province_staff
    )
    records = list(
        Target.history.filter(round_id=round_2564.pk, district_id="5607").order_by(
            "history_date", "history_id"
        )
    )
    assert [(r.history_type, r.official, r.reason, r.history_user) for r in records] == [
        ("+", 12, "ครั้งแรก", province_staff),
        ("~", 14, "ปรับตามหนังสือ", admin),
        ("-", 14, "กลับไปใช้ค่าคำนวณ", province_staff),
    ]


def test_clearing_a_district_without_an_official_target_changes_nothing(round_2564, province_staff):
    assert (
        target_set(
            round=round_2564,
            district=district("5607"),
            official=None,
            reason="x",
            by=province_staff,
        )
        is None
    )
    assert Target.history.count() == 0


def test_phayao_seed_officials_sum_to_215(round_2564):
    build_phayao(round_2564, officials=True)
    rows = targets_for_districts(
        round=round_2564, districts=District.objects.filter(province_id="56")
    )
    assert {r.code: r.target for r in rows} == {c: t for c, (_, _, t) in PHAYAO.items()}


def _export(round) -> io.BytesIO:
    from products.targets_workbook import write_targets

    buffer = io.BytesIO()
    rows = targets_for_districts(round=round, districts=District.objects.filter(province_id="56"))
    write_targets(buffer, round=round, province=district("5601").province, rows=rows)
    buffer.seek(0)
    return buffer


def test_the_portals_own_export_imports_back_without_freezing_computed_targets(
    round_2564, province_staff
):
    build_phayao(round_2564)
    target_set(
        round=round_2564, district=district("5601"), official=60, reason="หนังสือ", by=province_staff
    )
    before = targets_state()
    result = targets_import(round=round_2564, file=_export(round_2564))
    assert not result.changed
    assert targets_state() == before


def test_a_computed_target_edited_in_the_export_becomes_official(round_2564):
    build_phayao(round_2564)
    wb = openpyxl.load_workbook(_export(round_2564))
    wb.active["E7"] = 20  # จุน: computed 15
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    result = targets_import(round=round_2564, file=buffer)
    assert [(c.code, c.old, c.new) for c in result.changes if c.status == "new"] == [
        ("5602", None, 20)
    ]
    assert officials(round_2564) == {"5602": 20}


def test_a_file_with_every_target_blank_is_refused(samples, round_2564):
    def blank_all(ws):
        for row in range(6, 15):
            ws.cell(row, 5).value = None

    with pytest.raises(ImportRefused) as exc:
        targets_import(round=round_2564, file=sample_with(samples, blank_all))
    assert [str(p) for p in exc.value.problems] == ["ไม่พบเป้าหมายที่กรอกไว้ในไฟล์"]
