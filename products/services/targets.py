"""Targets: official targets set by provincial staff or imported from attachment 1."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext_lazy
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
)

from districts.models import District, Province
from districts.scoping import Role, can_review_district
from otop_portal.importing import ImportRefused, Notice, Problem
from otop_portal.totals import totals_changed
from products.models import Round, Target
from products.selectors import targets_for_districts
from products.targets_workbook import (
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
MSG_BASE_DIFFERS = ngettext_lazy(
    "อำเภอ%(name)s: ไฟล์ระบุจำนวนผลิตภัณฑ์ %(file)s แต่ฐานข้อมูลในระบบมี %(base)s (เป้าหมายที่คำนวณใช้ฐานในระบบ)",
    "อำเภอ%(name)s: ไฟล์ระบุจำนวนผลิตภัณฑ์ %(file)s แต่ฐานข้อมูลในระบบมี %(base)s (เป้าหมายที่คำนวณใช้ฐานในระบบ)",
    "file",
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
        """ "new", "updated", "unchanged" or "absent" (not in the file)."""
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
    *,
    round: Round,
    file,
    by=None,
    dry_run: bool = False,
    name: str = "",
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
                changes.append(
                    TargetChange(
                        figure.code, figure.name, figure.target_computed, old, old, in_file=False
                    )
                )
                notices.append(Notice(str(MSG_NOT_IN_FILE % {"name": figure.name})))
                continue
            if row.products is not None and row.products != figure.products:
                notices.append(
                    Notice(
                        str(
                            MSG_BASE_DIFFERS
                            % {"name": figure.name, "file": row.products, "base": figure.products}
                        ),
                        row=row.row,
                    )
                )
            if (
                old is None
                and row.official == figure.target_computed
                and row.note.startswith(NOTE_COMPUTED_PREFIX)
            ):
                # A row of the portal's own export that shows the computed target: it
                # stays computed, so that it follows the registry, and is not frozen.
                changes.append(
                    TargetChange(
                        figure.code, figure.name, figure.target_computed, None, None, in_file=True
                    )
                )
                continue
            changes.append(
                TargetChange(
                    figure.code,
                    figure.name,
                    figure.target_computed,
                    old,
                    row.official,
                    in_file=True,
                )
            )
            if old == row.official:
                continue
            reason = reason_base
            if row.note:
                reason = f"{reason}; {MSG_FILE_NOTE % {'note': row.note}}"
            if target is None:
                to_create.append(
                    Target(
                        round=round,
                        district_id=figure.code,
                        official=row.official,
                        reason=reason,
                        set_by=by,
                    )
                )
            else:
                target.official, target.reason, target.set_by, target.set_at = (
                    row.official,
                    reason,
                    by,
                    now,
                )
                to_update.append(target)
        if not dry_run:
            if to_create:
                bulk_create_with_history(to_create, Target, default_user=by)
            if to_update:
                bulk_update_with_history(
                    to_update,
                    Target,
                    ["official", "reason", "set_by", "set_at"],
                    default_user=by,
                )
            totals_changed(round_ids=[round.pk], districts=[f.code for f in figures])
    return TargetsImportResult(round, province, changes, notices, dry_run)


def target_set(
    *, round: Round, district: District, official: int | None, reason: str, by
) -> Target | None:
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
                totals_changed(round_ids=[round.pk], districts=[district.code])
            return None
        if target is None:
            target = Target(round=round, district=district)
        target.official, target.reason, target.set_by = official, reason, by
        target._history_user = by
        target.save()
        totals_changed(round_ids=[round.pk], districts=[district.code])
        return target


# (targets section end)
