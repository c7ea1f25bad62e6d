"""python manage.py send_reminders --round 2564-2 [--days-before 3] [--repeat-after 7]
[--today YYYY-MM-DD] [--base-url https://...] [--dry-run]

E-mails the officers of districts whose survey or report is not yet submitted: N days
before each deadline, on it, and after it. Idempotent per day: run it daily from cron or
the task worker, a second run on the same day sends nothing again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from dashboards.reminders import DEFAULT_DAYS_BEFORE, DEFAULT_REPEAT_AFTER, reminders_send
from dashboards.templatetags.dashboard_tags import countdown
from otop_portal.dates import be_date
from products.commands import round_option
from products.registry_workbook import parse_date_option

MSG_SEND_FAILED = ngettext_lazy(
    "ส่งอีเมลไม่สำเร็จ %(n)s ฉบับ ลองอีกครั้งภายหลังได้",
    "ส่งอีเมลไม่สำเร็จ %(n)s ฉบับ ลองอีกครั้งภายหลังได้",
    "n",
)
#: "verb" says whether the e-mails were sent or, in a dry run, would be.
MSG_SENT = ngettext_lazy(
    "%(verb)s %(n)s ฉบับ · เตือนไปแล้ววันนี้ %(already)s รายการ",
    "%(verb)s %(n)s ฉบับ · เตือนไปแล้ววันนี้ %(already)s รายการ",
    "n",
)


class Command(BaseCommand):
    help = (
        "E-mail reminders to the officers of districts that have not submitted the survey "
        "or the report: N days before each deadline, on it, and after it. Once a day at most."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        parser.add_argument(
            "--days-before",
            type=int,
            default=DEFAULT_DAYS_BEFORE,
            help=f"remind this many days before each deadline ({DEFAULT_DAYS_BEFORE})",
        )
        parser.add_argument(
            "--repeat-after",
            type=int,
            default=DEFAULT_REPEAT_AFTER,
            help="after a deadline, remind the day after and then every this many days "
            f"({DEFAULT_REPEAT_AFTER})",
        )
        parser.add_argument("--today", help="act as if today were YYYY-MM-DD (CE or BE)")
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "PORTAL_BASE_URL", ""),
            help="the portal's address for the links in the e-mails, e.g. https://otop.example",
        )
        parser.add_argument("--dry-run", action="store_true", help="list, send nothing")

    def handle(self, *args, **options):
        round = round_option(options["round"])
        if options["days_before"] < 0 or options["repeat_after"] < 1:
            raise CommandError(_("--days-before ต้องไม่ติดลบ และ --repeat-after ต้องมากกว่าศูนย์"))
        today = None
        if options["today"]:
            try:
                today = parse_date_option(options["today"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        result = reminders_send(
            round=round,
            today=today,
            days_before=options["days_before"],
            repeat_after=options["repeat_after"],
            dry_run=options["dry_run"],
            base_url=options["base_url"],
        )
        self._report(result, dry_run=options["dry_run"])
        if result.failed:
            raise CommandError(MSG_SEND_FAILED % {"n": len(result.failed)})

    def _report(self, result, *, dry_run: bool) -> None:
        if not result.due:
            self.stdout.write(_("วันนี้ไม่มีกำหนดที่ต้องเตือน"))
            return
        for deadline in result.due:
            self.stdout.write(
                _("%(form)s กำหนดส่ง %(date)s (%(countdown)s)")
                % {
                    "form": deadline.label,
                    "date": be_date(deadline.date),
                    "countdown": countdown(deadline),
                }
            )
        for reminder in result.sent:
            forms = ", ".join(str(deadline.label) for deadline, _status in reminder.forms)
            self.stdout.write(
                f"  {reminder.district.code} {reminder.district.name_th} → "
                f"{reminder.user.email}: {forms}"
            )
        for reminder, error in result.failed:
            self.stderr.write(f"  {reminder.district.code} → {reminder.user.email}: {error}")
        verb = _("จะส่ง") if dry_run else _("ส่งแล้ว")
        self.stdout.write(
            self.style.SUCCESS(
                MSG_SENT % {"verb": verb, "n": len(result.sent), "already": result.already_sent}
            )
        )
