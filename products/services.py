"""Writes of the products app: registry snapshots, rounds and targets."""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Registry snapshots and rounds (owned by the registry engineer)
# ---------------------------------------------------------------------------

# Imports stay inside this section so that the two sections can be edited apart.
# isort: split
import datetime as _dt  # noqa: E402
from dataclasses import dataclass as _dataclass  # noqa: E402
from dataclasses import field as _field  # noqa: E402
from decimal import Decimal as _Decimal  # noqa: E402

from django.db import transaction as _transaction  # noqa: E402
from django.db.models import CharField as _CharField  # noqa: E402
from django.db.models import Value as _Value  # noqa: E402
from django.db.models.functions import Cast as _Cast  # noqa: E402
from django.db.models.functions import Concat as _Concat  # noqa: E402
from django.db.models.functions import Substr as _Substr  # noqa: E402
from django.utils.translation import gettext_lazy as _lazy  # noqa: E402

from districts.models import District as _District  # noqa: E402
from otop_portal.importing import ImportRefused as _ImportRefused  # noqa: E402
from otop_portal.importing import Notice as _Notice  # noqa: E402
from otop_portal.importing import ProblemCollector as _ProblemCollector  # noqa: E402
from products.models import Entrepreneur as _Entrepreneur  # noqa: E402
from products.models import FiscalYear as _FiscalYear  # noqa: E402
from products.models import Product as _Product  # noqa: E402
from products.models import RegistrySnapshot as _RegistrySnapshot  # noqa: E402
from products.models import Round as _Round  # noqa: E402
from products.registry_workbook import MSG_NO_ROWS as _MSG_NO_ROWS  # noqa: E402
from products.registry_workbook import RegistryRow as _RegistryRow  # noqa: E402
from products.registry_workbook import registry_check as _registry_check  # noqa: E402
from products.registry_workbook import registry_read as _registry_read  # noqa: E402

MSG_OLDER_SNAPSHOT = _lazy(
    "ข้อมูล ณ วันที่ที่ระบุเก่ากว่าชุดข้อมูลทะเบียนล่าสุด (%(latest)s) ทะเบียนในระบบจะถูกแทนด้วยข้อมูลชุดที่เก่ากว่า"
)
MSG_NAME_RETIRED = _lazy(
    "ผลิตภัณฑ์ “%(name)s” (%(old)s) ของผู้ประกอบการ %(owner)s ไม่อยู่ในทะเบียนแล้ว "
    "และชื่อนี้เป็นของผลิตภัณฑ์ %(new)s ในไฟล์นี้ ชื่อของผลิตภัณฑ์เดิมจึงต่อท้ายด้วย "
    "“(ไม่อยู่ในทะเบียนแล้ว #...)”"
)
RETIRED_SUFFIX = " (ไม่อยู่ในทะเบียนแล้ว #"
MSG_AS_OF_FUTURE = _lazy("วันที่ของข้อมูลต้องไม่เป็นวันในอนาคต")

# Rows per INSERT/UPDATE statement. SQLite caps the variables of one statement and
# Django lowers the batch to fit; PostgreSQL takes this size as it is.
REGISTRY_BATCH = 1000
_ENTREPRENEUR_FIELDS = [
    "code",
    "name",
    "type",
    "house_no",
    "moo",
    "subdistrict",
    "district",
    "phone",
    "registered",
    "last_snapshot",
]
_PRODUCT_FIELDS = [
    "entrepreneur",
    "district",
    "code",
    "name",
    "type",
    "registered_year",
    "status",
    "registered",
    "last_snapshot",
]


@_dataclass
class ChangeCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def add(self, other: ChangeCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.removed += other.removed

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated or self.removed)

    def as_dict(self) -> dict:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
        }


@_dataclass
class DistrictChanges:
    """What an import did in one district."""

    code: str
    name: str = ""
    province_code: str = ""
    products: ChangeCounts = _field(default_factory=ChangeCounts)
    entrepreneurs: ChangeCounts = _field(default_factory=ChangeCounts)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "province": self.province_code,
            "products": self.products.as_dict(),
            "entrepreneurs": self.entrepreneurs.as_dict(),
        }


@_dataclass
class RegistryImportResult:
    """The per-district summary of a registry import (or of a dry run)."""

    dry_run: bool
    row_count: int
    districts: list[DistrictChanges]
    snapshot: _RegistrySnapshot | None = None
    notices: list[_Notice] = _field(default_factory=list)

    @property
    def products(self) -> ChangeCounts:
        total = ChangeCounts()
        for d in self.districts:
            total.add(d.products)
        return total

    @property
    def entrepreneurs(self) -> ChangeCounts:
        total = ChangeCounts()
        for d in self.districts:
            total.add(d.entrepreneurs)
        return total

    @property
    def changed(self) -> bool:
        return self.products.changed or self.entrepreneurs.changed

    def summary(self) -> dict:
        """The JSON kept on the snapshot."""
        return {
            "districts": {d.code: d.as_dict() for d in self.districts},
            "totals": {
                "products": self.products.as_dict(),
                "entrepreneurs": self.entrepreneurs.as_dict(),
            },
        }


def registry_import_file(
    *, file, as_of: _dt.date, by=None, dry_run: bool = False, name: str = ""
) -> RegistryImportResult:
    """Read a flat registry file and import it as a snapshot (see registry_import).

    Raises ImportRefused with every problem of the file (an unreadable file included);
    a refused file changes nothing.
    """
    read = _registry_read(file, name=name)
    if read.problems:
        raise _ImportRefused(read.problems)
    result = registry_import(rows=read.rows, as_of=as_of, by=by, dry_run=dry_run, source_name=name)
    # registry_import checks the rows again (it is also called with generated rows), so
    # the reader's notices about them come twice: keep each once.
    seen: set[str] = set()
    result.notices = [
        n for n in read.notices + result.notices if not (str(n) in seen or seen.add(str(n)))
    ]
    return result


def registry_import(
    *,
    rows: list[_RegistryRow],
    as_of: _dt.date,
    by=None,
    dry_run: bool = False,
    source_name: str = "",
) -> RegistryImportResult:
    """Make the registry equal to a snapshot of clean rows, and record the snapshot.

    - Entrepreneurs are matched by code. Products are matched by product code, or,
      for a row without one, by (entrepreneur code, product name); a product whose
      code is new but whose entrepreneur and name match a product no longer in the
      file is the same product with a new code.
    - An entrepreneur's details come from its first row (registry_check).
    - Products and entrepreneurs registered before and absent from this snapshot are
      marked registered=False, never deleted: surveys and reports refer to them.
    - Only new and changed rows are written, so importing the same rows twice writes
      nothing but the snapshot record, and reports every row as unchanged. A row's
      `last_snapshot` is the snapshot that last changed it.
    - A snapshot is the whole registry: whatever the file does not list is removed.

    All or nothing, in one transaction. The work is a fixed number of queries plus one
    per REGISTRY_BATCH rows written, whatever the size of the file: existing rows are
    loaded into dicts, compared in memory and written with bulk statements.
    """
    rows = list(rows)
    collector = _ProblemCollector()
    if not rows:
        collector.add(_MSG_NO_ROWS)
    if as_of > _dt.date.today() + _dt.timedelta(days=1):
        collector.add(MSG_AS_OF_FUTURE, value=as_of.isoformat())
    _registry_check(rows, collector)
    collector.raise_if_any()

    notices = list(collector.notices)
    with _transaction.atomic():
        latest = _RegistrySnapshot.objects.order_by("-as_of").first()
        if latest is not None and latest.as_of > as_of:
            notices.append(_Notice(str(MSG_OLDER_SNAPSHOT % {"latest": latest})))
        plan = _registry_plan(rows)
        notices += plan.notices
        snapshot = None
        if not dry_run:
            snapshot = _RegistrySnapshot.objects.create(
                as_of=as_of,
                imported_by=by if by is not None and by.pk else None,
                source_name=source_name[:255],
                row_count=len(rows),
            )
            _registry_apply(plan, snapshot)
        result = RegistryImportResult(
            dry_run=dry_run,
            row_count=len(rows),
            districts=plan.districts(),
            snapshot=snapshot,
            notices=notices,
        )
        if snapshot is not None:
            snapshot.summary = result.summary()
            snapshot.save(update_fields=["summary"])
    return result


@_dataclass
class _Plan:
    """The writes an import needs, computed in memory before anything is written."""

    changes: dict[str, DistrictChanges] = _field(default_factory=dict)
    new_entrepreneurs: list[_Entrepreneur] = _field(default_factory=list)
    changed_entrepreneurs: list[_Entrepreneur] = _field(default_factory=list)
    removed_entrepreneurs: list[int] = _field(default_factory=list)
    # (entrepreneur code, product) pairs: a product's entrepreneur may be new.
    new_products: list[tuple[str, _Product]] = _field(default_factory=list)
    changed_products: list[tuple[str, _Product]] = _field(default_factory=list)
    removed_products: list[int] = _field(default_factory=list)
    entrepreneur_ids: dict[str, int] = _field(default_factory=dict)
    # Products that give up their (entrepreneur, name) to another product: changed ones
    # pass through a temporary name (two products may swap names), and ones no longer
    # in the registry keep a name marked with their old code.
    give_up_name: list[int] = _field(default_factory=list)
    retire_name: list[int] = _field(default_factory=list)
    notices: list[_Notice] = _field(default_factory=list)

    def district(self, code: str) -> DistrictChanges:
        found = self.changes.get(code)
        if found is None:
            found = self.changes[code] = DistrictChanges(code)
        return found

    def districts(self) -> list[DistrictChanges]:
        names = {
            d["code"]: d
            for d in _District.objects.filter(code__in=list(self.changes)).values(
                "code", "name_th", "province_id"
            )
        }
        out = []
        for code in sorted(self.changes):
            d = self.changes[code]
            d.name = names.get(code, {}).get("name_th", "")
            d.province_code = names.get(code, {}).get("province_id", "")
            out.append(d)
        return out


def _registry_plan(rows: list[_RegistryRow]) -> _Plan:
    plan = _Plan()
    # Phase 3a: the existing registry, in two queries.
    existing_entrepreneurs = {
        e[1]: e
        for e in _Entrepreneur.objects.values_list(
            "id",
            "code",
            "name",
            "type",
            "house_no",
            "moo",
            "subdistrict_id",
            "district_id",
            "phone",
            "registered",
        ).iterator(chunk_size=5000)
    }
    plan.entrepreneur_ids = {code: e[0] for code, e in existing_entrepreneurs.items()}
    by_code: dict[str, tuple] = {}
    by_key: dict[tuple[str, str], tuple] = {}
    for p in _Product.objects.values_list(
        "id",
        "code",
        "name",
        "type",
        "registered_year",
        "status",
        "registered",
        "entrepreneur__code",
        "district_id",
    ).iterator(chunk_size=5000):
        if p[1]:
            by_code[p[1]] = p
        by_key[(p[7], p[2])] = p

    # Phase 3b: entrepreneurs, each from its first row.
    first_rows: dict[str, _RegistryRow] = {}
    for r in rows:
        first_rows.setdefault(r.entrepreneur_code, r)
    for code, r in first_rows.items():
        wanted = (
            r.entrepreneur_name,
            r.entrepreneur_type,
            r.house_no,
            r.moo,
            r.subdistrict_code,
            r.district_code,
            r.phone,
            True,
        )
        old = existing_entrepreneurs.get(code)
        counts = plan.district(r.district_code).entrepreneurs
        if old is not None and tuple(old[2:]) == wanted:
            counts.unchanged += 1
            continue
        obj = _Entrepreneur(
            code=code,
            name=r.entrepreneur_name,
            type=r.entrepreneur_type,
            house_no=r.house_no,
            moo=r.moo,
            subdistrict_id=r.subdistrict_code,
            district_id=r.district_code,
            phone=r.phone,
            registered=True,
        )
        if old is None:
            counts.new += 1
            plan.new_entrepreneurs.append(obj)
        else:
            counts.updated += 1
            obj.pk = old[0]
            plan.changed_entrepreneurs.append(obj)
    for code, old in existing_entrepreneurs.items():
        if old[9] and code not in first_rows:
            plan.district(old[7]).entrepreneurs.removed += 1
            plan.removed_entrepreneurs.append(old[0])

    # Phase 3c: products.
    file_codes = {r.product_code for r in rows if r.product_code}
    claimed: set[int] = set()
    for r in rows:
        old = by_code.get(r.product_code) if r.product_code else None
        if old is None:
            candidate = by_key.get(r.product_key)
            # Matched by name only if no other row of the file claims it by its code.
            if candidate is not None and not (
                candidate[1] and candidate[1] in file_codes and candidate[1] != r.product_code
            ):
                old = candidate
        if old is not None and old[0] in claimed:
            old = None
        code = r.product_code or (old[1] if old is not None else "")
        wanted = (
            code,
            r.product_name,
            r.product_type,
            r.registered_year,
            str(r.status),
            True,
            r.entrepreneur_code,
            r.district_code,
        )
        counts = plan.district(r.district_code).products
        if old is not None:
            claimed.add(old[0])
            if tuple(old[1:]) == wanted:
                counts.unchanged += 1
                continue
        obj = _Product(
            district_id=r.district_code,
            code=code,
            name=r.product_name,
            type=r.product_type,
            registered_year=r.registered_year,
            status=str(r.status),
            registered=True,
        )
        if old is None:
            counts.new += 1
            plan.new_products.append((r.entrepreneur_code, obj))
        else:
            counts.updated += 1
            obj.pk = old[0]
            plan.changed_products.append((r.entrepreneur_code, obj))
    for p in by_key.values():
        if p[6] and p[0] not in claimed:
            plan.district(p[8]).products.removed += 1
            plan.removed_products.append(p[0])

    # Phase 3d: names that move from one product to another.
    changed_ids = {obj.pk for _code, obj in plan.changed_products}
    for code, obj in plan.changed_products + plan.new_products:
        owner = by_key.get((code, obj.name))
        if owner is None or owner[0] == obj.pk:
            continue
        if owner[0] in changed_ids:
            plan.give_up_name.append(owner[0])
        elif owner[0] not in claimed:
            plan.retire_name.append(owner[0])
            plan.notices.append(
                _Notice(
                    str(
                        MSG_NAME_RETIRED
                        % {
                            "name": owner[2],
                            "owner": owner[7],
                            "old": owner[1] or owner[0],
                            "new": obj.code or obj.name,
                        }
                    )
                )
            )
    return plan


def _upsert_by_pk(model, objs: list, fields: list[str]) -> None:
    """Rewrite existing rows, by primary key, with INSERT ... ON CONFLICT (id) DO UPDATE.

    Much faster than bulk_update's CASE statements for many rows (PERFORMANCE-NOTES.md).
    """
    model.objects.bulk_create(
        objs,
        batch_size=REGISTRY_BATCH,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=fields,
    )


def _registry_apply(plan: _Plan, snapshot: _RegistrySnapshot) -> None:
    for obj in plan.new_entrepreneurs + plan.changed_entrepreneurs:
        obj.last_snapshot = snapshot
    if plan.changed_entrepreneurs:
        _upsert_by_pk(
            _Entrepreneur,
            plan.changed_entrepreneurs,
            [f for f in _ENTREPRENEUR_FIELDS if f != "code"],
        )
    if plan.new_entrepreneurs:
        _Entrepreneur.objects.bulk_create(plan.new_entrepreneurs, batch_size=REGISTRY_BATCH)
        if any(obj.pk is None for obj in plan.new_entrepreneurs):
            # Databases that do not return the new keys from a bulk insert.
            plan.entrepreneur_ids = dict(_Entrepreneur.objects.values_list("code", "id"))
        else:
            plan.entrepreneur_ids.update({obj.code: obj.pk for obj in plan.new_entrepreneurs})
    for code, obj in plan.new_products + plan.changed_products:
        obj.entrepreneur_id = plan.entrepreneur_ids[code]
        obj.last_snapshot = snapshot
    # Names given up first, then changed products, then new ones: each statement then
    # finds the names it takes free, whatever order the rows are written in.
    for ids, name in (
        (
            plan.give_up_name,
            _Concat(_Value("#registry-import-"), _Cast("id", output_field=_CharField())),
        ),
        (
            plan.retire_name,
            _Concat(
                _Substr("name", 1, 200),
                _Value(RETIRED_SUFFIX),
                _Cast("id", output_field=_CharField()),
                _Value(")"),
            ),
        ),
    ):
        for start in range(0, len(ids), REGISTRY_BATCH * 10):
            _Product.objects.filter(id__in=ids[start : start + REGISTRY_BATCH * 10]).update(
                name=name, last_snapshot=snapshot
            )
    if plan.changed_products:
        _upsert_by_pk(_Product, [obj for _code, obj in plan.changed_products], _PRODUCT_FIELDS)
    if plan.new_products:
        _Product.objects.bulk_create(
            [obj for _code, obj in plan.new_products], batch_size=REGISTRY_BATCH
        )
    for ids, model in (
        (plan.removed_products, _Product),
        (plan.removed_entrepreneurs, _Entrepreneur),
    ):
        for start in range(0, len(ids), REGISTRY_BATCH * 10):
            model.objects.filter(id__in=ids[start : start + REGISTRY_BATCH * 10]).update(
                registered=False, last_snapshot=snapshot
            )


# ---------------------------------------------------------------------------
# Rounds
# ---------------------------------------------------------------------------

MSG_BAD_ROUND_CODE = _lazy("“%(value)s” ไม่ใช่รหัสรอบ ให้เขียนแบบ 2564-2 (ปีงบประมาณ พ.ศ.-รอบที่ 1 หรือ 2)")
MSG_BAD_WINDOW = _lazy("“%(value)s” ไม่ใช่ช่วงปีที่ลงทะเบียน ให้เขียนแบบ 2557-2563")
MSG_BAD_RATE = _lazy("อัตรา %(value)s ต้องมากกว่า 0 และไม่เกิน 100")
MSG_DEADLINES = _lazy("กำหนดส่งแบบสำรวจต้องไม่ช้ากว่ากำหนดส่งแบบรายงานผล")
MSG_NO_SNAPSHOT = _lazy("ไม่พบชุดข้อมูลทะเบียน “%(value)s”")


class RoundSetupError(ValueError):
    pass


@_dataclass
class RoundSetupResult:
    round: _Round
    created: bool
    #: Field name -> (old value, new value) for each field that changed.
    changes: dict[str, tuple] = _field(default_factory=dict)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return self.created or bool(self.changes)


def round_defaults(year: int, number: int) -> dict:
    """The seed's values for round `number` of fiscal year `year` (Buddhist Era).

    Round 1 is October to March, round 2 April to September. The survey is due on the
    25th of the round's second month and the report on the 20th of its last month, as
    in the seed (25 May and 20 September 2564 for round 2).
    """
    ce = year - 543
    if number == 1:
        starts, ends = _dt.date(ce - 1, 10, 1), _dt.date(ce, 3, 31)
        survey, report = _dt.date(ce - 1, 11, 25), _dt.date(ce, 3, 20)
    else:
        starts, ends = _dt.date(ce, 4, 1), _dt.date(ce, 9, 30)
        survey, report = _dt.date(ce, 5, 25), _dt.date(ce, 9, 20)
    return {
        "starts_on": starts,
        "ends_on": ends,
        "target_rate": _Decimal("11"),
        "growth_rate": _Decimal("10"),
        "window_start": 2557,
        "window_end": ce + 543 - 1,
        "survey_deadline": survey,
        "report_deadline": report,
    }


def parse_round_code(code: str) -> tuple[int, int]:
    try:
        year, number = (int(part) for part in str(code).strip().split("-"))
    except ValueError:
        raise RoundSetupError(MSG_BAD_ROUND_CODE % {"value": code}) from None
    if not 2400 <= year <= 2700 or number not in (1, 2):
        raise RoundSetupError(MSG_BAD_ROUND_CODE % {"value": code})
    return year, number


def parse_window(text: str) -> tuple[int, int]:
    try:
        start, end = (int(part) for part in str(text).strip().split("-"))
    except ValueError:
        raise RoundSetupError(MSG_BAD_WINDOW % {"value": text}) from None
    if not 2400 <= start <= end <= 2700:
        raise RoundSetupError(MSG_BAD_WINDOW % {"value": text})
    return start, end


def round_setup(
    *,
    code: str,
    target_rate: _Decimal | None = None,
    growth_rate: _Decimal | None = None,
    window: tuple[int, int] | None = None,
    survey_deadline: _dt.date | None = None,
    report_deadline: _dt.date | None = None,
    snapshot: _RegistrySnapshot | str | None = None,
    dry_run: bool = False,
) -> RoundSetupResult:
    """Create or update a fiscal year and one of its rounds.

    A new round takes the seed's values (round_defaults) for whatever is not given. An
    existing round changes only in what is given, so running the command again, or
    after an administrator edited the round, does not undo anything. `snapshot` is a
    RegistrySnapshot or "latest"; None leaves an existing round's snapshot as it is and
    gives a new round the latest snapshot.
    """
    year, number = parse_round_code(code)
    for rate in (target_rate, growth_rate):
        if rate is not None and not 0 < rate <= 100:
            raise RoundSetupError(MSG_BAD_RATE % {"value": rate})
    given = {
        "target_rate": target_rate,
        "growth_rate": growth_rate,
        "window_start": window[0] if window else None,
        "window_end": window[1] if window else None,
        "survey_deadline": survey_deadline,
        "report_deadline": report_deadline,
        "snapshot": snapshot,
    }
    given = {k: v for k, v in given.items() if v is not None}
    with _transaction.atomic():
        round = (
            _Round.objects.select_for_update()
            .select_related("snapshot")
            .filter(fiscal_year_id=year, number=number)
            .first()
        )
        created = round is None
        if snapshot == "latest" or (created and snapshot is None):
            given["snapshot"] = _RegistrySnapshot.objects.order_by("-as_of", "-id").first()
            if given["snapshot"] is None:
                del given["snapshot"]
        if created:
            round = _Round(
                fiscal_year_id=year, number=number, **{**round_defaults(year, number), **given}
            )
            changes = {}
        else:
            changes = {
                k: (getattr(round, k), v) for k, v in given.items() if getattr(round, k) != v
            }
            for k, (_old, new) in changes.items():
                setattr(round, k, new)
        if round.survey_deadline > round.report_deadline:
            raise RoundSetupError(MSG_DEADLINES)
        if not dry_run and (created or changes):
            _FiscalYear.objects.get_or_create(year=year)
            round.save()
    return RoundSetupResult(round=round, created=created, changes=changes, dry_run=dry_run)


# (registry section end)

# ---------------------------------------------------------------------------
# Targets (owned by the targets engineer)
# ---------------------------------------------------------------------------
# Imports stay inside this section so that the two sections can be edited apart.
# isort: split
from dataclasses import dataclass  # noqa: E402

from django.core.exceptions import PermissionDenied, ValidationError  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext_lazy  # noqa: E402
from simple_history.utils import (  # noqa: E402
    bulk_create_with_history,
    bulk_update_with_history,
)

from districts.models import District, Province  # noqa: E402
from districts.scoping import Role, can_review_district  # noqa: E402
from otop_portal.importing import ImportRefused, Notice, Problem  # noqa: E402
from products.models import Round, Target  # noqa: E402
from products.selectors import targets_for_districts  # noqa: E402
from products.targets_workbook import (  # noqa: E402
    MAX_TARGET,
    NOTE_COMPUTED_PREFIX,
    read_targets,
)

MSG_TARGETS_NOT_ALLOWED = gettext_lazy("ไม่มีสิทธิ์กำหนดเป้าหมายของจังหวัดนี้")
MSG_REASON_REQUIRED = gettext_lazy("กรุณาระบุเหตุผล")
MSG_TARGET_RANGE = gettext_lazy("เป้าหมายต้องเป็นจำนวนเต็มตั้งแต่ 0 ถึง %(max)s")
MSG_IMPORTED_FROM = gettext_lazy("นำเข้าจากไฟล์ %(name)s")
MSG_NO_TARGETS = gettext_lazy("ไม่พบเป้าหมายที่กรอกไว้ในไฟล์")
MSG_IMPORTED = gettext_lazy("นำเข้าจากไฟล์แบบเป้าหมายตัวชี้วัด")
MSG_FILE_NOTE = gettext_lazy("หมายเหตุในไฟล์: %(note)s")
MSG_NOT_IN_FILE = gettext_lazy("อำเภอ%(name)s ไม่มีในไฟล์ เป้าหมายเดิมไม่เปลี่ยน")
MSG_BASE_DIFFERS = gettext_lazy(
    "อำเภอ%(name)s: ไฟล์ระบุจำนวนผลิตภัณฑ์ %(file)s แต่ฐานข้อมูลในระบบมี %(base)s "
    "(เป้าหมายที่คำนวณใช้ฐานในระบบ)"
)


@dataclass
class TargetChange:
    """One district's official target before and after an import."""

    code: str
    name: str
    computed: int
    old: int | None
    new: int | None
    in_file: bool

    @property
    def status(self) -> str:
        """"new", "updated", "unchanged" or "absent" (not in the file)."""
        if not self.in_file:
            return "absent"
        if self.old == self.new:
            return "unchanged"
        return "new" if self.old is None else "updated"


@dataclass
class TargetsImportResult:
    round: Round
    province: Province
    changes: list[TargetChange]
    notices: list[Notice]
    dry_run: bool

    def count(self, status: str) -> int:
        return sum(1 for c in self.changes if c.status == status)

    @property
    def changed(self) -> bool:
        return any(c.status in ("new", "updated") for c in self.changes)


def _may_set_targets(user, province: Province) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    return user.role == Role.PROVINCE and user.province_id == province.code


def targets_import(
    *, round: Round, file, by=None, dry_run: bool = False, name: str = "",
    province: Province | str | None = None,
) -> TargetsImportResult:
    """Set the official targets of a province's districts from an attachment-1 workbook.

    All or nothing: the file is read and checked whole first (read_targets raises
    ImportRefused listing every problem), then the targets are written in one
    transaction with bulk operations. Only targets whose value changes are written,
    so importing the same file twice changes nothing. Districts absent from the file
    keep their targets, and so does a district whose row, from the portal's own export,
    still shows its computed target marked as such in หมายเหตุ. `by` is None for
    management commands; a user must be provincial staff of the province or an
    administrator. Without `province`, the province comes from the file's title.
    """
    rows, notices = read_targets(file, province=province, round=round, name=name)
    if not rows:
        raise ImportRefused([Problem(str(MSG_NO_TARGETS))])
    province = rows[0].district.province
    if by is not None and not _may_set_targets(by, province):
        raise PermissionDenied(MSG_TARGETS_NOT_ALLOWED)
    from_file = {row.district.code: row for row in rows}
    reason_base = MSG_IMPORTED_FROM % {"name": name} if name else str(MSG_IMPORTED)

    with transaction.atomic():
        figures = targets_for_districts(
            round=round, districts=District.objects.filter(province=province)
        )
        existing = {
            t.district_id: t
            for t in Target.objects.select_for_update().filter(
                round=round, district__province=province
            )
        }
        changes, to_create, to_update = [], [], []
        now = timezone.now()
        for figure in figures:
            target = existing.get(figure.code)
            old = target.official if target else None
            row = from_file.get(figure.code)
            if row is None:
                changes.append(TargetChange(figure.code, figure.name, figure.target_computed,
                                            old, old, in_file=False))
                notices.append(Notice(str(MSG_NOT_IN_FILE % {"name": figure.name})))
                continue
            if row.products is not None and row.products != figure.products:
                notices.append(Notice(
                    str(MSG_BASE_DIFFERS % {"name": figure.name, "file": row.products,
                                            "base": figure.products}),
                    row=row.row,
                ))
            if (
                old is None
                and row.official == figure.target_computed
                and row.note.startswith(NOTE_COMPUTED_PREFIX)
            ):
                # A row of the portal's own export that shows the computed target: it
                # stays computed, so that it follows the registry, and is not frozen.
                changes.append(TargetChange(figure.code, figure.name, figure.target_computed,
                                            None, None, in_file=True))
                continue
            changes.append(TargetChange(figure.code, figure.name, figure.target_computed,
                                        old, row.official, in_file=True))
            if old == row.official:
                continue
            reason = reason_base
            if row.note:
                reason = f"{reason}; {MSG_FILE_NOTE % {'note': row.note}}"
            if target is None:
                to_create.append(Target(round=round, district_id=figure.code,
                                        official=row.official, reason=reason, set_by=by))
            else:
                target.official, target.reason, target.set_by, target.set_at = (
                    row.official, reason, by, now,
                )
                to_update.append(target)
        if not dry_run:
            if to_create:
                bulk_create_with_history(to_create, Target, default_user=by)
            if to_update:
                bulk_update_with_history(
                    to_update, Target, ["official", "reason", "set_by", "set_at"],
                    default_user=by,
                )
    return TargetsImportResult(round, province, changes, notices, dry_run)


def target_set(*, round: Round, district: District, official: int | None, reason: str, by) -> Target | None:
    """Set (or, with None, clear) the official target of one district, with a reason.

    Provincial staff of the district's province and administrators only. Clearing
    returns the district to its computed target. Every change, a clearing included,
    keeps who, when, the value and the reason in the target's history.
    """
    if not can_review_district(by, district):
        raise PermissionDenied(MSG_TARGETS_NOT_ALLOWED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": MSG_REASON_REQUIRED})
    if official is not None and not 0 <= official <= MAX_TARGET:
        raise ValidationError({"official": MSG_TARGET_RANGE % {"max": MAX_TARGET}})
    with transaction.atomic():
        target = Target.objects.select_for_update().filter(round=round, district=district).first()
        if official is None:
            if target is not None:
                # The deletion's history record is made from these in-memory values,
                # so it carries who cleared the target and why.
                target.reason, target.set_by, target._history_user = reason, by, by
                target.delete()
            return None
        if target is None:
            target = Target(round=round, district=district)
        target.official, target.reason, target.set_by = official, reason, by
        target._history_user = by
        target.save()
        return target


# (targets section end)
