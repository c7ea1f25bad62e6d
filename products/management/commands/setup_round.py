"""python manage.py setup_round 2564-2 [--target-rate 11 --growth-rate 10 --window 2557-2563
--survey-deadline 2021-05-25 --report-deadline 2021-09-20 --snapshot latest|ID] [--dry-run]"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from products.models import RegistrySnapshot
from products.registry_workbook import parse_date_option
from products.services.rounds import RoundSetupError, parse_window, round_setup


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
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")

    def handle(self, *args, **options):
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
                dry_run=options["dry_run"],
            )
        except RoundSetupError as exc:
            raise CommandError(str(exc)) from None

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
