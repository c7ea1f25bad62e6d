"""python manage.py setup_round 2564-2 [--target-rate 11 --growth-rate 10 --window 2557-2563
--survey-deadline 2021-05-25 --report-deadline 2021-09-20 --snapshot latest|ID] [--dry-run]

python manage.py setup_round 2565-2 --from 2564-2 [--copy-official-targets] [--dry-run]
python manage.py setup_round 2564-2 --repin [--snapshot ID] [--force] [--dry-run]"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from products.models import RegistrySnapshot, Round
from products.registry_workbook import parse_date_option
from products.selectors import RepinPreview, round_get, round_snapshot
from products.services.rounds import (
    RoundSetupError,
    parse_window,
    round_repin,
    round_repin_check,
    round_setup,
    round_setup_from,
)

MSG_TARGETS_COPIED = ngettext_lazy(
    "คัดลอกเป้าหมายทางการ %(count)s อำเภอ", "คัดลอกเป้าหมายทางการ %(count)s อำเภอ", "count"
)
#: A district in the preview of a repin: "n", the products of its base after the repin,
#: chooses the English plural ("after" is the same number as shown, 1,234).
MSG_PREVIEW_DISTRICT = ngettext_lazy(
    "  %(code)s %(name)s: ฐาน %(before)s -> %(after)s ผลิตภัณฑ์, "
    "เป้าหมายคำนวณ %(t_before)s -> %(t_after)s, ออก %(leaving)s, เข้า %(joining)s",
    "  %(code)s %(name)s: ฐาน %(before)s -> %(after)s ผลิตภัณฑ์, "
    "เป้าหมายคำนวณ %(t_before)s -> %(t_after)s, ออก %(leaving)s, เข้า %(joining)s",
    "n",
)


def _rate(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        raise CommandError(_("“%(value)s” ไม่ใช่อัตราร้อยละ เช่น 11") % {"value": text}) from None
    if not value.is_finite():
        raise CommandError(_("“%(value)s” ไม่ใช่อัตราร้อยละ เช่น 11") % {"value": text})
    return value


def _date(text: str):
    try:
        return parse_date_option(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = (
        "Create or update a fiscal year and an assessment round. A new round takes the "
        "seed's values for what is not given; an existing round changes only in what is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "round", help="the round's code: fiscal year (BE) and round, e.g. 2564-2"
        )
        parser.add_argument("--target-rate", help="percent of base products to sell online (11)")
        parser.add_argument("--growth-rate", help="percent of revenue growth (10)")
        parser.add_argument(
            "--window", help="registration years counted in the base, e.g. 2557-2563"
        )
        parser.add_argument("--survey-deadline", help="YYYY-MM-DD (CE or BE)")
        parser.add_argument("--report-deadline", help="YYYY-MM-DD (CE or BE)")
        parser.add_argument(
            "--snapshot",
            help="the registry snapshot the round counts on: latest, or a snapshot's ID "
            "(default: the latest for a new round, unchanged for an existing one)",
        )
        parser.add_argument(
            "--from",
            dest="source",
            metavar="ROUND",
            help="start a new round from the same round of an earlier fiscal year (e.g. "
            "2564-2): rates and window copied, months and deadlines shifted, latest snapshot",
        )
        parser.add_argument(
            "--copy-official-targets",
            action="store_true",
            help="with --from: copy the source round's official targets too",
        )
        parser.add_argument(
            "--repin",
            action="store_true",
            help="pin an existing round to another snapshot (--snapshot, or the latest), "
            "showing what changes per district",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="re-pin even though a form of the round is approved (the history records it)",
        )
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")

    def handle(self, *args, **options):
        if options["repin"]:
            return self.repin(options)
        if options["source"]:
            return self.set_up_from(options)
        snapshot = options["snapshot"]
        if snapshot and snapshot != "latest":
            found = (
                RegistrySnapshot.objects.filter(pk=int(snapshot)).first()
                if snapshot.isdigit()
                else None
            )
            if found is None:
                raise CommandError(_("ไม่พบชุดข้อมูลทะเบียน “%(value)s”") % {"value": snapshot})
            snapshot = found
        try:
            result = round_setup(
                code=options["round"],
                target_rate=_rate(options["target_rate"]) if options["target_rate"] else None,
                growth_rate=_rate(options["growth_rate"]) if options["growth_rate"] else None,
                window=parse_window(options["window"]) if options["window"] else None,
                survey_deadline=_date(options["survey_deadline"])
                if options["survey_deadline"]
                else None,
                report_deadline=_date(options["report_deadline"])
                if options["report_deadline"]
                else None,
                snapshot=snapshot or None,
                force=options["force"],
                dry_run=options["dry_run"],
            )
        except RoundSetupError as exc:
            raise CommandError(str(exc)) from None

        self.describe(result)

    def describe(self, result) -> None:
        r = result.round
        if result.created:
            self.stdout.write(_("สร้างรอบ %(code)s") % {"code": r.code})
        elif result.changes:
            self.stdout.write(_("ปรับรอบ %(code)s:") % {"code": r.code})
            for name, (old, new) in result.changes.items():
                label = r._meta.get_field(name).verbose_name
                self.stdout.write(f"  {label}: {old} -> {new}")
        else:
            self.stdout.write(_("รอบ %(code)s มีอยู่แล้ว ไม่มีอะไรเปลี่ยน") % {"code": r.code})
        for label, value in [
            (_("ช่วงเวลา"), r.period_label),
            (_("อัตราเป้าหมาย"), f"{r.target_rate.normalize():f}%"),
            (_("อัตราการเติบโตของรายได้"), f"{r.growth_rate.normalize():f}%"),
            (_("ปีที่ลงทะเบียนที่นับเป็นฐาน"), f"{r.window_start}-{r.window_end}"),
            (_("กำหนดส่งแบบสำรวจ"), r.survey_deadline.isoformat()),
            (_("กำหนดส่งแบบรายงานผล"), r.report_deadline.isoformat()),
            (_("ชุดข้อมูลทะเบียน"), str(r.snapshot) if r.snapshot_id else _("(ยังไม่มี)")),
        ]:
            self.stdout.write(f"  {label}: {value}")
        if result.dry_run and result.changed:
            self.stdout.write(self.style.WARNING(_("ยังไม่ได้บันทึก (--dry-run)")))

    def snapshot(self, options):
        """The snapshot of --snapshot, or None for the latest."""
        value = options["snapshot"]
        if not value or value == "latest":
            return None
        found = RegistrySnapshot.objects.filter(pk=int(value)).first() if value.isdigit() else None
        if found is None:
            raise CommandError(_("ไม่พบชุดข้อมูลทะเบียน “%(value)s”") % {"value": value})
        return found

    def set_up_from(self, options) -> None:
        try:
            result = round_setup_from(
                code=options["round"],
                source=options["source"],
                copy_official_targets=options["copy_official_targets"],
                snapshot=self.snapshot(options),
                dry_run=options["dry_run"],
            )
        except RoundSetupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("เริ่มจากรอบ %(code)s") % {"code": options["source"]})
        self.describe(result)
        if options["copy_official_targets"]:
            count = result.round.targets.count() if not result.dry_run else None
            if count is not None:
                self.stdout.write(MSG_TARGETS_COPIED % {"count": count})

    def repin(self, options) -> None:
        round = round_get(options["round"])
        if round is None:
            raise CommandError(_("ไม่พบรอบ %(code)s") % {"code": options["round"]})
        snapshot = self.snapshot(options)
        try:
            if options["dry_run"]:
                result = round_repin_check(round=round, snapshot=snapshot)
            else:
                result = round_repin(round=round, snapshot=snapshot, force=options["force"])
        except RoundSetupError as exc:
            # A refusal over approved forms shows what would have changed first.
            if not options["dry_run"] and not options["force"]:
                try:
                    self.preview(round_repin_check(round=round, snapshot=snapshot).preview, round)
                except RoundSetupError:
                    pass
            raise CommandError(str(exc)) from None
        self.preview(result.preview, round)
        if result.approved:
            self.stdout.write(
                self.style.WARNING(
                    _("แบบที่อนุมัติแล้ว: %(forms)s") % {"forms": ", ".join(result.approved)}
                )
            )
        if result.dry_run:
            self.stdout.write(self.style.WARNING(_("ยังไม่ได้บันทึก (--dry-run)")))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("รอบ %(code)s ใช้ %(snapshot)s แล้ว")
                    % {"code": round.code, "snapshot": result.preview.snapshot}
                )
            )

    def preview(self, preview: RepinPreview, round: Round) -> None:
        self.stdout.write(
            _("รอบ %(code)s: %(old)s -> %(new)s")
            % {
                "code": round.code,
                "old": round_snapshot(round) or _("(ยังไม่มี)"),
                "new": preview.snapshot,
            }
        )
        if not preview.changed:
            self.stdout.write(_("ฐาน เป้าหมาย และรายการในแบบของทุกอำเภอไม่เปลี่ยน"))
            return
        for d in preview.districts:
            self.stdout.write(
                MSG_PREVIEW_DISTRICT
                % {
                    "code": d.code,
                    "name": d.name,
                    "before": f"{d.products_before:,}",
                    "after": f"{d.products_after:,}",
                    "t_before": f"{d.target_before:,}",
                    "t_after": f"{d.target_after:,}",
                    "leaving": f"{len(d.leaving):,}",
                    "joining": f"{len(d.joining):,}",
                    "n": d.products_after,
                }
            )
            for word, items in ((_("ออก"), d.leaving), (_("เข้า"), d.joining)):
                for code, name in items[:10]:
                    self.stdout.write(f"    {word}: {code} {name}")
                if len(items) > 10:
                    self.stdout.write(
                        "    " + _("และอีก %(count)s รายการ") % {"count": f"{len(items) - 10:,}"}
                    )
