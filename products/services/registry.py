"""Registry snapshots: the import of a registry workbook or CSV into entrepreneurs and products.

The workbook is read and checked by products.registry_workbook (phases 1 and 2); this module
plans the changes against the database and applies them (phase 3).
"""

from __future__ import annotations

import contextlib as _contextlib
import csv as _csv
import datetime as _dt
import gc as _gc
import io as _io
from collections.abc import Callable as _Callable
from dataclasses import dataclass as _dataclass
from dataclasses import field as _field

from django.db import OperationalError as _OperationalError
from django.db import connection as _connection
from django.db import transaction as _transaction
from django.db.models import CharField as _CharField
from django.db.models import Value as _Value
from django.db.models.functions import Cast as _Cast
from django.db.models.functions import Concat as _Concat
from django.db.models.functions import Substr as _Substr
from django.utils.translation import gettext_lazy

from districts.models import District as _District
from otop_portal.importing import ImportRefused as _ImportRefused
from otop_portal.importing import Notice as _Notice
from otop_portal.importing import ProblemCollector as _ProblemCollector
from otop_portal.totals import totals_changed as _totals_changed
from products.models import Entrepreneur as _Entrepreneur
from products.models import Product as _Product
from products.models import RegistrySnapshot as _RegistrySnapshot
from products.models import Round as _Round
from products.models import SnapshotProduct as _SnapshotProduct
from products.registry_workbook import MSG_NO_ROWS as _MSG_NO_ROWS
from products.registry_workbook import RegistryRow as _RegistryRow
from products.registry_workbook import registry_check as _registry_check
from products.registry_workbook import registry_read as _registry_read

MSG_OLDER_SNAPSHOT = gettext_lazy(
    "ข้อมูล ณ วันที่ที่ระบุเก่ากว่าชุดข้อมูลทะเบียนล่าสุด (%(latest)s) ทะเบียนในระบบจะถูกแทนด้วยข้อมูลชุดที่เก่ากว่า"
)
MSG_NAME_RETIRED = gettext_lazy(
    "ผลิตภัณฑ์ “%(name)s” (%(old)s) ของผู้ประกอบการ %(owner)s ไม่อยู่ในทะเบียนแล้ว "
    "และชื่อนี้เป็นของผลิตภัณฑ์ %(new)s ในไฟล์นี้ ชื่อของผลิตภัณฑ์เดิมจึงต่อท้ายด้วย "
    "“(ไม่อยู่ในทะเบียนแล้ว #...)”"
)
RETIRED_SUFFIX = " (ไม่อยู่ในทะเบียนแล้ว #"
MSG_AS_OF_FUTURE = gettext_lazy("วันที่ของข้อมูลต้องไม่เป็นวันในอนาคต")
#: What a snapshot removes, said in every import's summary.
MSG_REMOVES_IN_PROVINCES = gettext_lazy(
    "ผลิตภัณฑ์และผู้ประกอบการที่ไม่อยู่ในไฟล์ จะถูกบันทึกว่าไม่อยู่ในทะเบียนแล้ว "
    "เฉพาะในจังหวัดที่มีในไฟล์: %(provinces)s จังหวัดอื่นไม่เปลี่ยน"
)

#: Provinces the registry holds that the file does not list: kept, or removed if asked.
MSG_PROVINCES_MISSING_KEPT = gettext_lazy(
    "จังหวัดที่มีในทะเบียนแต่ไม่มีในไฟล์นี้: %(provinces)s ทะเบียนของจังหวัดเหล่านี้คงเดิม "
    "(ถ้าจังหวัดเหล่านี้ไม่อยู่ในทะเบียนแล้วจริง ให้นำเข้าอีกครั้งโดยเลือก "
    "“นำจังหวัดที่ไม่มีในไฟล์ออกจากทะเบียน” หรือพร้อม --remove-missing-provinces)"
)
MSG_PROVINCES_MISSING_REMOVED = gettext_lazy(
    "จังหวัดที่มีในทะเบียนแต่ไม่มีในไฟล์นี้: %(provinces)s ผลิตภัณฑ์และผู้ประกอบการของจังหวัดเหล่านี้"
    "ถูกบันทึกว่าไม่อยู่ในทะเบียนแล้ว (--remove-missing-provinces)"
)

# Rows per INSERT/UPDATE statement on databases without COPY. SQLite caps the variables
# of one statement and Django lowers the batch to fit.
REGISTRY_BATCH = 1000
# PostgreSQL's memory for sorting the copied rows into the file's order (so that new rows
# get their ids in that order) in memory rather than on disk: a country's products take
# about 30 MB.
REGISTRY_WORK_MEM = "64MB"
# From this many rows written (new and changed entrepreneurs and products), the
# registry tables' foreign keys are dropped for the writes and added back before the
# commit (PostgreSQL checks each of them once, over the whole table, instead of once per
# row: the first import of a country writes about twice as fast). The tables are then
# the import's alone until it commits: readers wait a few seconds. If other sessions hold
# them longer than REGISTRY_LOCK_TIMEOUT, the import checks every row as it goes instead.
REGISTRY_BULK_LOAD_ROWS = 20_000
REGISTRY_LOCK_TIMEOUT = "3s"
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
    #: The provinces of the file, code -> name: the only ones where products and
    #: entrepreneurs missing from the file are removed.
    provinces: dict[str, str] = _field(default_factory=dict)
    #: Provinces the registry held that the file does not list, code -> name.
    missing_provinces: dict[str, str] = _field(default_factory=dict)
    #: Whether those were removed (remove_missing_provinces) or left as they were.
    missing_removed: bool = False

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

    @property
    def removal_scope(self) -> str:
        """The sentence that says where missing rows were removed (MSG_REMOVES_IN_PROVINCES)."""
        names = ", ".join(self.provinces[code] for code in sorted(self.provinces))
        return str(MSG_REMOVES_IN_PROVINCES % {"provinces": names})

    @property
    def missing_provinces_message(self) -> str:
        """What happened to the provinces the file does not list, or "" if none."""
        if not self.missing_provinces:
            return ""
        names = ", ".join(
            f"{self.missing_provinces[code]} ({code})" for code in sorted(self.missing_provinces)
        )
        message = (
            MSG_PROVINCES_MISSING_REMOVED if self.missing_removed else (MSG_PROVINCES_MISSING_KEPT)
        )
        return str(message % {"provinces": names})

    def summary(self) -> dict:
        """The JSON kept on the snapshot."""
        return {
            "districts": {d.code: d.as_dict() for d in self.districts},
            "provinces": dict(sorted(self.provinces.items())),
            "missing_provinces": dict(sorted(self.missing_provinces.items())),
            "missing_removed": self.missing_removed,
            "totals": {
                "products": self.products.as_dict(),
                "entrepreneurs": self.entrepreneurs.as_dict(),
            },
        }


@_contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while an import builds its rows and plan.

    They are hundreds of thousands of small objects without cycles, and each one
    allocated would otherwise make the collector walk all those before it again and
    again (13% of reading a country's file). Whatever cyclic garbage appears meanwhile
    is collected when the collector resumes.
    """
    was_enabled = _gc.isenabled()
    _gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            _gc.enable()


def registry_import_file(
    *,
    file,
    as_of: _dt.date,
    by=None,
    dry_run: bool = False,
    name: str = "",
    progress: _Callable[[int, int], None] | None = None,
    remove_missing_provinces: bool = False,
) -> RegistryImportResult:
    """Read a flat registry file and import it as a snapshot (see registry_import).

    Raises ImportRefused with every problem of the file (an unreadable file included);
    a refused file changes nothing. `progress(rows read, rows in the sheet)` is called
    now and then while the file is read.
    """
    with _gc_paused():
        read = _registry_read(file, name=name, progress=progress)
        if read.problems:
            raise _ImportRefused(read.problems)
        # The reader has checked the rows between them (registry_check) already.
        result = _registry_import(
            rows=read.rows,
            as_of=as_of,
            by=by,
            dry_run=dry_run,
            source_name=name,
            checked=True,
            remove_missing_provinces=remove_missing_provinces,
        )
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
    remove_missing_provinces: bool = False,
) -> RegistryImportResult:
    """Make the registry equal to a snapshot of clean rows, and record the snapshot.

    - Entrepreneurs are matched by code. Products are matched by product code, or,
      for a row without one, by (entrepreneur code, product name); a product whose
      code is new but whose entrepreneur and name match a product no longer in the
      file is the same product with a new code.
    - An entrepreneur's details come from its first row (registry_check).
    - A snapshot is the registry of the provinces it lists: products and entrepreneurs
      of those provinces that are registered and absent from it are marked
      registered=False, never deleted (surveys and reports refer to them). The other
      provinces are left as they are, so that a province's file, or two districts',
      does not unregister the rest of the country. The provinces the registry holds
      and the file does not list are named in the result (missing_provinces), and
      removed too only if `remove_missing_provinces`.
    - The snapshot keeps what it holds (SnapshotProduct): every registered product of
      the country after the import, with its status, year, type and district. What
      earlier snapshots hold never changes, so rounds pinned to them keep their figures.
    - Only new and changed rows are written, so importing the same rows twice writes
      nothing but the snapshot record, and reports every row as unchanged. A row's
      `last_snapshot` is the snapshot that last changed it.

    All or nothing, in one transaction, with a fixed number of queries whatever the
    size of the file: the registry is loaded into dicts and compared in memory, and
    the changes are written in bulk. On PostgreSQL they are copied (COPY) into a
    temporary table and applied with one INSERT ... ON CONFLICT or UPDATE ... FROM per
    table; elsewhere with bulk_create in batches of REGISTRY_BATCH rows.
    """
    return _registry_import(
        rows=rows,
        as_of=as_of,
        by=by,
        dry_run=dry_run,
        source_name=source_name,
        checked=False,
        remove_missing_provinces=remove_missing_provinces,
    )


def _registry_import(
    *,
    rows: list[_RegistryRow],
    as_of: _dt.date,
    by,
    dry_run: bool,
    source_name: str,
    checked: bool,
    remove_missing_provinces: bool = False,
) -> RegistryImportResult:
    rows = list(rows)
    collector = _ProblemCollector()
    if not rows:
        collector.add(_MSG_NO_ROWS)
    if as_of > _dt.date.today() + _dt.timedelta(days=1):
        collector.add(MSG_AS_OF_FUTURE, value=as_of.isoformat())
    if not checked:
        _registry_check(rows, collector)
    collector.raise_if_any()

    notices = list(collector.notices)
    with _gc_paused(), _transaction.atomic():
        latest = _RegistrySnapshot.objects.order_by("-as_of").first()
        if latest is not None and latest.as_of > as_of:
            notices.append(_Notice(str(MSG_OLDER_SNAPSHOT % {"latest": latest})))
        plan = _registry_plan(rows, remove_missing_provinces=remove_missing_provinces)
        notices += plan.notices
        snapshot = None
        if not dry_run:
            snapshot = _RegistrySnapshot.objects.create(
                as_of=as_of,
                imported_by=by if by is not None and by.pk else None,
                source_name=source_name[:255],
                row_count=len(rows),
            )
            if _copy_supported():
                _registry_apply_copy(plan, snapshot)
            else:
                _registry_apply(plan, snapshot)
            snapshot_hold(snapshot=snapshot)
            # Rounds pinned to a snapshot keep their figures (base_q); a round with no
            # snapshot counts the registry as it is now.
            unpinned = list(
                _Round.objects.filter(snapshot__isnull=True).values_list("pk", flat=True)
            )
            _totals_changed(round_ids=unpinned)
            _pinned_names_changed(plan)
        result = RegistryImportResult(
            dry_run=dry_run,
            row_count=len(rows),
            districts=plan.districts(),
            snapshot=snapshot,
            notices=notices,
            provinces=plan.provinces,
            missing_provinces=plan.missing_provinces,
            missing_removed=bool(plan.missing_provinces) and remove_missing_provinces,
        )
        if result.missing_provinces:
            result.notices.append(_Notice(result.missing_provinces_message))
        if snapshot is not None:
            snapshot.summary = result.summary()
            snapshot.save(update_fields=["summary"])
    return result


@_dataclass
class _Plan:
    """The writes an import needs, computed in memory before anything is written."""

    #: District code -> (name, province code, province name), for the whole country.
    places: dict[str, tuple[str, str, str]] = _field(default_factory=dict)
    #: The provinces of the file, code -> name.
    provinces: dict[str, str] = _field(default_factory=dict)
    #: The provinces the registry holds and the file does not list, code -> name.
    missing_provinces: dict[str, str] = _field(default_factory=dict)
    changes: dict[str, DistrictChanges] = _field(default_factory=dict)
    # Entrepreneurs, each as its first row.
    new_entrepreneurs: list[_RegistryRow] = _field(default_factory=list)
    changed_entrepreneurs: list[tuple[int, _RegistryRow]] = _field(default_factory=list)
    removed_entrepreneurs: list[int] = _field(default_factory=list)
    # Products as (row, code) and (id, row, code): a row without a code keeps the code
    # of the product it matches.
    new_products: list[tuple[_RegistryRow, str]] = _field(default_factory=list)
    changed_products: list[tuple[int, _RegistryRow, str]] = _field(default_factory=list)
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
        out = []
        for code in sorted(self.changes):
            d = self.changes[code]
            d.name, d.province_code, _province_name = self.places.get(code, ("", "", ""))
            out.append(d)
        return out


def _registry_existing() -> tuple[list[tuple], list[tuple]]:
    """The registry as it is, as tuples: entrepreneurs (id, code, name, type, house_no,
    moo, subdistrict, district, phone, registered) and products (id, code, name, type,
    registered_year, status, registered, entrepreneur code, district). Two queries, as
    plain SQL: Django's values_list adds a third to the time of loading a country."""
    e, p = _Entrepreneur._meta, _Product._meta
    q = _connection.ops.quote_name

    def cols(meta, alias, names):
        return ", ".join(f"{alias}.{q(meta.get_field(n).column)}" for n in names)

    entrepreneurs_sql = "SELECT {} FROM {} e".format(
        cols(
            e,
            "e",
            [
                "id",
                "code",
                "name",
                "type",
                "house_no",
                "moo",
                "subdistrict",
                "district",
                "phone",
                "registered",
            ],
        ),
        q(e.db_table),
    )
    products_sql = "SELECT {}, e.{}, p.{} FROM {} p JOIN {} e ON e.{} = p.{}".format(
        cols(p, "p", ["id", "code", "name", "type", "registered_year", "status", "registered"]),
        q(e.get_field("code").column),
        q(p.get_field("district").column),
        q(p.db_table),
        q(e.db_table),
        q(e.pk.column),
        q(p.get_field("entrepreneur").column),
    )
    with _connection.cursor() as cursor:
        cursor.execute(entrepreneurs_sql)
        entrepreneurs = cursor.fetchall()
        cursor.execute(products_sql)
        products = cursor.fetchall()
    return entrepreneurs, products


#: Beyond this many changed products, every district of the pinned rounds is refreshed
#: rather than looked up product by product.
_CHANGED_LOOKUP_MAX = 5000


def _pinned_names_changed(plan: _Plan) -> None:
    """A pinned round keeps its base, but its pages name the products as the registry
    does now: the totals keep each district's plausibility flags with the product's code
    and name and its row in the form (ordered by name), so the districts where a changed
    product was held are refreshed (issue #19)."""
    changed = [pk for pk, _row, _code in plan.changed_products]
    pinned = dict(_Round.objects.filter(snapshot__isnull=False).values_list("pk", "snapshot_id"))
    if not changed or not pinned:
        return
    if len(changed) > _CHANGED_LOOKUP_MAX:
        _totals_changed(round_ids=list(pinned))
        return
    held = set(
        _SnapshotProduct.objects.filter(
            snapshot_id__in=set(pinned.values()), product_id__in=changed
        ).values_list("district_id", flat=True)
    )
    _totals_changed(round_ids=list(pinned), districts=held)


def _registry_plan(rows: list[_RegistryRow], *, remove_missing_provinces: bool = False) -> _Plan:
    plan = _Plan()
    # Phase 3a: the places, and the existing registry, in three queries.
    plan.places = {
        code: (name, province, province_name)
        for code, name, province, province_name in _District.objects.values_list(
            "code", "name_th", "province_id", "province__name_th"
        )
    }
    places = plan.places
    for code in {r.district_code for r in rows}:
        _name, province, province_name = places.get(code, ("", code[:2], ""))
        plan.provinces[province] = province_name
    entrepreneurs, products = _registry_existing()
    province_names = {province: name for _n, province, name in places.values()}
    for province in {_province(places, p[8]) for p in products if p[6]} - plan.provinces.keys():
        plan.missing_provinces[province] = province_names.get(province, "")
    # The provinces where what the file does not list is removed.
    in_file = set(plan.provinces)
    if remove_missing_provinces:
        in_file |= set(plan.missing_provinces)
    existing_entrepreneurs = {e[1]: e for e in entrepreneurs}
    plan.entrepreneur_ids = {code: e[0] for code, e in existing_entrepreneurs.items()}
    by_code: dict[str, tuple] = {}
    by_key: dict[tuple[str, str], tuple] = {}
    for p in products:
        if p[1]:
            by_code[p[1]] = p
        by_key[(p[7], p[2])] = p
    del entrepreneurs, products

    # Phase 3b: entrepreneurs, each from its first row.
    first_rows: dict[str, _RegistryRow] = {}
    for r in rows:
        if r.entrepreneur_code not in first_rows:
            first_rows[r.entrepreneur_code] = r
    for code, r in first_rows.items():
        old = existing_entrepreneurs.get(code)
        counts = plan.district(r.district_code).entrepreneurs
        if old is not None and old[2:] == (
            r.entrepreneur_name,
            r.entrepreneur_type,
            r.house_no,
            r.moo,
            r.subdistrict_code,
            r.district_code,
            r.phone,
            True,
        ):
            counts.unchanged += 1
        elif old is None:
            counts.new += 1
            plan.new_entrepreneurs.append(r)
        else:
            counts.updated += 1
            plan.changed_entrepreneurs.append((old[0], r))
    for code, old in existing_entrepreneurs.items():
        if old[9] and code not in first_rows and _province(places, old[7]) in in_file:
            plan.district(old[7]).entrepreneurs.removed += 1
            plan.removed_entrepreneurs.append(old[0])

    # Phase 3c: products.
    file_codes = {r.product_code for r in rows if r.product_code}
    claimed: set[int] = set()
    for r in rows:
        old = by_code.get(r.product_code) if r.product_code else None
        if old is None:
            candidate = by_key.get((r.entrepreneur_code, r.product_name))
            # Matched by name only if no other row of the file claims it by its code.
            if candidate is not None and not (
                candidate[1] and candidate[1] in file_codes and candidate[1] != r.product_code
            ):
                old = candidate
        if old is not None and old[0] in claimed:
            old = None
        code = r.product_code or (old[1] if old is not None else "")
        counts = plan.district(r.district_code).products
        if old is None:
            counts.new += 1
            plan.new_products.append((r, code))
            continue
        claimed.add(old[0])
        if old[1:] == (
            code,
            r.product_name,
            r.product_type,
            r.registered_year,
            str(r.status),
            True,
            r.entrepreneur_code,
            r.district_code,
        ):
            counts.unchanged += 1
        else:
            counts.updated += 1
            plan.changed_products.append((old[0], r, code))
    for p in by_key.values():
        if p[6] and p[0] not in claimed and _province(places, p[8]) in in_file:
            plan.district(p[8]).products.removed += 1
            plan.removed_products.append(p[0])

    # Phase 3d: names that move from one product to another.
    changed_ids = {pk for pk, _r, _code in plan.changed_products}
    moving = [(pk, r, code) for pk, r, code in plan.changed_products]
    moving += [(None, r, code) for r, code in plan.new_products]
    for pk, r, code in moving:
        owner = by_key.get((r.entrepreneur_code, r.product_name))
        if owner is None or owner[0] == pk:
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
                            "new": code or r.product_name,
                        }
                    )
                )
            )
    return plan


def snapshot_hold(*, snapshot: _RegistrySnapshot) -> None:
    """Record what the snapshot holds: every registered product after its import. One
    INSERT ... SELECT, on any database."""
    q = _connection.ops.quote_name
    with _connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(_SnapshotProduct._meta.db_table)} (snapshot_id, product_id, "
            "district_id, type, registered_year, status) SELECT %s, id, district_id, type, "
            f"registered_year, status FROM {q(_Product._meta.db_table)} WHERE registered",
            [snapshot.pk],
        )


def _province(places: dict[str, tuple[str, str, str]], district: str) -> str:
    found = places.get(district)
    return found[1] if found is not None else district[:2]


def _registry_names_move(plan: _Plan, snapshot: _RegistrySnapshot) -> None:
    """Free the names that products take from others (phase 3d), before they take them."""
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


def _entrepreneur(r: _RegistryRow, snapshot: _RegistrySnapshot) -> _Entrepreneur:
    return _Entrepreneur(
        code=r.entrepreneur_code,
        name=r.entrepreneur_name,
        type=r.entrepreneur_type,
        house_no=r.house_no,
        moo=r.moo,
        subdistrict_id=r.subdistrict_code,
        district_id=r.district_code,
        phone=r.phone,
        registered=True,
        last_snapshot=snapshot,
    )


def _product(r: _RegistryRow, code: str, plan: _Plan, snapshot) -> _Product:
    return _Product(
        entrepreneur_id=plan.entrepreneur_ids[r.entrepreneur_code],
        district_id=r.district_code,
        code=code,
        name=r.product_name,
        type=r.product_type,
        registered_year=r.registered_year,
        status=str(r.status),
        registered=True,
        last_snapshot=snapshot,
    )


def _registry_apply(plan: _Plan, snapshot: _RegistrySnapshot) -> None:
    """Write the plan with Django's bulk operations (SQLite, and any database but
    PostgreSQL with psycopg2)."""
    if plan.changed_entrepreneurs:
        changed = []
        for pk, r in plan.changed_entrepreneurs:
            obj = _entrepreneur(r, snapshot)
            obj.pk = pk
            changed.append(obj)
        _upsert_by_pk(_Entrepreneur, changed, [f for f in _ENTREPRENEUR_FIELDS if f != "code"])
    if plan.new_entrepreneurs:
        new = [_entrepreneur(r, snapshot) for r in plan.new_entrepreneurs]
        _Entrepreneur.objects.bulk_create(new, batch_size=REGISTRY_BATCH)
        if any(obj.pk is None for obj in new):
            # Databases that do not return the new keys from a bulk insert.
            plan.entrepreneur_ids = dict(_Entrepreneur.objects.values_list("code", "id"))
        else:
            plan.entrepreneur_ids.update({obj.code: obj.pk for obj in new})
    # Names given up first, then changed products, then new ones: each statement then
    # finds the names it takes free, whatever order the rows are written in.
    _registry_names_move(plan, snapshot)
    if plan.changed_products:
        changed = []
        for pk, r, code in plan.changed_products:
            obj = _product(r, code, plan, snapshot)
            obj.pk = pk
            changed.append(obj)
        _upsert_by_pk(_Product, changed, _PRODUCT_FIELDS)
    if plan.new_products:
        _Product.objects.bulk_create(
            [_product(r, code, plan, snapshot) for r, code in plan.new_products],
            batch_size=REGISTRY_BATCH,
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
# Writing a plan on PostgreSQL: COPY into temporary tables, then one statement each
# ---------------------------------------------------------------------------


def _copy_supported() -> bool:
    """PostgreSQL through psycopg2 (whose cursors have copy_expert)."""
    if _connection.vendor != "postgresql":
        return False
    # Only on PostgreSQL: the backend's module loads the PostgreSQL driver, which a
    # process on SQLite never needs.
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return not is_psycopg3


def _copy(cursor, table: str, columns: list[str], rows, *, nullable: tuple[str, ...] = ()):
    """COPY rows (tuples) into a table, as CSV. An empty text is copied as an empty
    text, not NULL, except in the `nullable` columns, where None is NULL."""
    buffer = _io.StringIO()
    _csv.writer(buffer, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    not_null = ", ".join(c for c in columns if c not in nullable)
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN "
        f"WITH (FORMAT csv, FORCE_NOT_NULL ({not_null}))",
        buffer,
    )


_ENTREPRENEUR_COLUMNS = [
    "code",
    "name",
    "type",
    "house_no",
    "moo",
    "subdistrict_id",
    "district_id",
    "phone",
]
_PRODUCT_COLUMNS = ["code", "name", "type", "registered_year", "status"]
# The temporary tables the rows are copied into, dropped at commit. Each is dropped first
# as well, for a second import in one transaction.
_TEMPORARY_TABLES = {
    "registry_entrepreneurs_in": (
        "ord integer, code text, name text, type smallint, house_no text, moo text, "
        "subdistrict_id text, district_id text, phone text"
    ),
    "registry_products_in": (
        "ord integer, id bigint, entrepreneur_id bigint, district_id text, code text, "
        "name text, type smallint, registered_year smallint, status text"
    ),
}


def _registry_apply_copy(plan: _Plan, snapshot: _RegistrySnapshot) -> None:
    """Write the plan on PostgreSQL, in the order of _registry_apply.

    Entrepreneurs are upserted by code: INSERT ... ON CONFLICT (code) DO UPDATE, only
    where a column differs, returning the ids of the new ones. Changed products are
    rewritten by id with one UPDATE ... FROM, then new products inserted with one
    INSERT ... SELECT, both from one temporary table. Removals are one UPDATE per table.
    A plan that changes nothing writes nothing.
    """
    if not (
        plan.new_entrepreneurs
        or plan.changed_entrepreneurs
        or plan.new_products
        or plan.changed_products
        or plan.removed_products
        or plan.removed_entrepreneurs
        or plan.give_up_name
        or plan.retire_name
    ):
        return
    e_table = _Entrepreneur._meta.db_table
    p_table = _Product._meta.db_table
    written = (
        len(plan.new_entrepreneurs)
        + len(plan.changed_entrepreneurs)
        + len(plan.new_products)
        + len(plan.changed_products)
    )
    with (
        _connection.cursor() as cursor,
        _bulk_write_session(cursor, [e_table, p_table], rows=written),
    ):
        entrepreneurs = [r for _pk, r in plan.changed_entrepreneurs] + plan.new_entrepreneurs
        if entrepreneurs:
            _copy(
                cursor,
                "registry_entrepreneurs_in",
                ["ord", *_ENTREPRENEUR_COLUMNS],
                (
                    (
                        i,
                        r.entrepreneur_code,
                        r.entrepreneur_name,
                        r.entrepreneur_type,
                        r.house_no,
                        r.moo,
                        r.subdistrict_code,
                        r.district_code,
                        r.phone,
                    )
                    for i, r in enumerate(entrepreneurs)
                ),
                nullable=("ord", "type"),
            )
            columns = ", ".join(_ENTREPRENEUR_COLUMNS)
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _ENTREPRENEUR_COLUMNS[1:])
            compared = [*_ENTREPRENEUR_COLUMNS[1:], "registered"]
            cursor.execute(
                f"INSERT INTO {e_table} AS e ({columns}, registered, last_snapshot_id) "
                f"SELECT {columns}, true, %s FROM registry_entrepreneurs_in ORDER BY ord "
                f"ON CONFLICT (code) DO UPDATE SET {updates}, registered = true, "
                "last_snapshot_id = EXCLUDED.last_snapshot_id "
                f"WHERE ({', '.join(f'e.{c}' for c in compared)}) IS DISTINCT FROM "
                f"({', '.join(f'EXCLUDED.{c}' for c in compared)}) "
                "RETURNING e.code, e.id",
                [snapshot.pk],
            )
            plan.entrepreneur_ids.update(cursor.fetchall())

        _registry_names_move(plan, snapshot)

        if plan.changed_products or plan.new_products:
            ids = plan.entrepreneur_ids
            rows = [(pk, r, code) for pk, r, code in plan.changed_products]
            rows += [(None, r, code) for r, code in plan.new_products]
            _copy(
                cursor,
                "registry_products_in",
                ["ord", "id", "entrepreneur_id", "district_id", *_PRODUCT_COLUMNS],
                (
                    (
                        i,
                        pk,
                        ids[r.entrepreneur_code],
                        r.district_code,
                        code,
                        r.product_name,
                        r.product_type,
                        r.registered_year,
                        str(r.status),
                    )
                    for i, (pk, r, code) in enumerate(rows)
                ),
                nullable=("ord", "id", "entrepreneur_id", "type", "registered_year"),
            )
            columns = ["entrepreneur_id", "district_id", *_PRODUCT_COLUMNS]
            if plan.changed_products:
                sets = ", ".join(f"{c} = t.{c}" for c in columns)
                cursor.execute(
                    f"UPDATE {p_table} AS p SET {sets}, registered = true, last_snapshot_id = %s "
                    "FROM registry_products_in t WHERE t.id IS NOT NULL AND p.id = t.id",
                    [snapshot.pk],
                )
            if plan.new_products:
                cursor.execute(
                    f"INSERT INTO {p_table} ({', '.join(columns)}, registered, last_snapshot_id) "
                    f"SELECT {', '.join(columns)}, true, %s FROM registry_products_in "
                    "WHERE id IS NULL ORDER BY ord",
                    [snapshot.pk],
                )

        for ids, table in (
            (plan.removed_products, p_table),
            (plan.removed_entrepreneurs, e_table),
        ):
            if ids:
                cursor.execute(
                    f"UPDATE {table} SET registered = false, last_snapshot_id = %s "
                    "WHERE id = ANY(%s)",
                    [snapshot.pk, ids],
                )


@_contextlib.contextmanager
def _bulk_write_session(cursor, tables: list[str], *, rows: int = 0):
    """The transaction's settings for the bulk writes, then back as they were.

    - The foreign keys of `tables` (Django creates them DEFERRABLE INITIALLY DEFERRED)
      are checked at the end of each statement rather than at commit: the same checks,
      but PostgreSQL runs a few hundred thousand of them about twice as fast in a
      statement's batch as from the commit's queue.
    - From REGISTRY_BULK_LOAD_ROWS `rows` written, they are dropped instead and added
      back, with the same names and definitions, once the rows are written: adding a
      foreign key checks every row in one query, several times faster than a check per
      row. This locks the tables until the commit, so it is only tried for
      REGISTRY_LOCK_TIMEOUT; if other sessions hold the tables that long (a long export,
      say), the checks run per statement as above.
    - work_mem is REGISTRY_WORK_MEM, so that the copied rows are sorted in memory.
    - The temporary tables are made.
    A fixed number of statements, whatever the size.
    """
    cursor.execute("SELECT current_setting('work_mem'), current_setting('lock_timeout')")
    work_mem, lock_timeout = cursor.fetchone()
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
        "condeferrable AND condeferred FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
        "ORDER BY conrelid, conname",
        [tables],
    )
    found = cursor.fetchall()
    keys = [(table, name, definition) for table, name, definition, _d in found]
    quote = _connection.ops.quote_name
    statements = [
        f"DROP TABLE IF EXISTS pg_temp.{name}; "
        f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP"
        for name, columns in _TEMPORARY_TABLES.items()
    ]
    work_mem_sql = "SELECT set_config('work_mem', %s, true)"
    cursor.execute("; ".join([*statements, work_mem_sql]), [REGISTRY_WORK_MEM])
    bulk = keys and rows >= REGISTRY_BULK_LOAD_ROWS
    dropped = keys if bulk and _drop_keys(cursor, keys, lock_timeout) else []
    # Kept, the keys deferred by default are checked per statement, then deferred again.
    deferred = (
        [] if dropped else [quote(name) for _t, name, _d, is_deferred in found if is_deferred]
    )
    if deferred:
        cursor.execute(f"SET CONSTRAINTS {', '.join(deferred)} IMMEDIATE")
    yield
    # Not on an error: the import's savepoint (or transaction) is rolled back then, and
    # PostgreSQL restores the keys and settings with it.
    after = [f"SET CONSTRAINTS {', '.join(deferred)} DEFERRED"] if deferred else []
    after += [
        f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
        for table, name, definition in dropped
    ]
    cursor.execute("; ".join([*after, work_mem_sql]), [work_mem])


def _drop_keys(cursor, keys: list[tuple[str, str, str]], lock_timeout: str) -> bool:
    """Drop the foreign keys, waiting at most REGISTRY_LOCK_TIMEOUT for the tables.
    False (and nothing dropped) if they could not be had in that time.

    PostgreSQL refuses to alter a table with checks still queued in the transaction
    (the new snapshot's row has one): the deferred keys of the tables on either side
    of the dropped ones are checked first, then deferred again.
    """
    quote = _connection.ops.quote_name
    by_table: dict[str, list[str]] = {}
    for table, name, _definition in keys:
        by_table.setdefault(table, []).append(f"DROP CONSTRAINT {quote(name)}")
    dropped = {name for _table, name, _definition in keys}
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable AND "
        "condeferred AND conrelid IN (SELECT unnest(array[conrelid, confrelid]) "
        "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]))",
        [list(by_table)],
    )
    queued = [quote(name) for (name,) in cursor.fetchall() if name not in dropped]
    try:
        with _transaction.atomic():
            cursor.execute(
                "; ".join(
                    [
                        "SELECT set_config('lock_timeout', %s, true)",
                        *([f"SET CONSTRAINTS {', '.join(queued)} IMMEDIATE"] if queued else []),
                        *(f"ALTER TABLE {quote(t)} {', '.join(d)}" for t, d in by_table.items()),
                        *([f"SET CONSTRAINTS {', '.join(queued)} DEFERRED"] if queued else []),
                    ]
                ),
                [REGISTRY_LOCK_TIMEOUT],
            )
    except _OperationalError:
        # lock_not_available, or deadlock_detected against a session that holds one
        # table and waits for the other: both roll the savepoint back.
        return False
    finally:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
    return True
