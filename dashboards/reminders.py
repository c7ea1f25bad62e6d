"""Reminders e-mailed to district officers whose survey or report is not yet submitted.

For each form, a reminder goes out `days_before` days before its deadline, on the
deadline, the day after it, and then every `repeat_after` days while the form is still
open (not started, draft, or returned by the province). A district whose forms are
submitted or approved gets nothing.

Sending is idempotent per day: each (round, officer, form, day) is claimed in
ReminderLog, under a unique constraint, in the same transaction as the sending. A second
run on the same day, or two runs at once, send nothing twice; a failed send leaves no
claim, so the next run tries again.

`send_reminders` (the management command) is the thin wrapper; cron or the task worker
runs it once a day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from dashboards.models import ReminderKind, ReminderLog
from dashboards.selectors import OPEN_STATES, Deadline, round_deadlines
from districts.models import District, User
from districts.scoping import Role
from reports.selectors import kpi_for_districts

DEFAULT_DAYS_BEFORE = 3
DEFAULT_REPEAT_AFTER = 7


def is_reminder_day(deadline: Deadline, *, days_before: int, repeat_after: int) -> bool:
    """N days before, on the day, the day after, then every `repeat_after` days."""
    days = deadline.days_left
    if days in (days_before, 0):
        return True
    if days < 0:
        return (-days - 1) % max(repeat_after, 1) == 0
    return False


@dataclass
class Reminder:
    """One e-mail: an officer, their district, and the open forms it is about."""

    user: User
    district: District
    forms: list[tuple[Deadline, str]] = field(default_factory=list)  # (deadline, status)

    @property
    def kinds(self) -> list[str]:
        return [deadline.kind for deadline, _status in self.forms]


@dataclass
class ReminderResult:
    today: dt.date
    due: list[Deadline]
    sent: list[Reminder] = field(default_factory=list)
    already_sent: int = 0  # (officer, form) pairs reminded earlier today
    failed: list[tuple[Reminder, str]] = field(default_factory=list)


def reminders_due(
    *,
    round,
    today: dt.date,
    days_before: int = DEFAULT_DAYS_BEFORE,
    repeat_after: int = DEFAULT_REPEAT_AFTER,
) -> tuple[list[Deadline], list[Reminder], int]:
    """Which deadlines call for a reminder today, the e-mails to send, and how many
    (officer, form) pairs were already reminded today. A fixed number of queries."""
    due = [
        d
        for d in round_deadlines(round, today=today)
        if is_reminder_day(d, days_before=days_before, repeat_after=repeat_after)
    ]
    if not due:
        return due, [], 0
    officers = list(
        User.objects.filter(role=Role.OFFICER, is_active=True, district__isnull=False)
        .exclude(email="")
        .select_related("district")
        .order_by("district_id", "username")
    )
    if not officers:
        return due, [], 0
    codes = sorted({u.district_id for u in officers})
    kpi = kpi_for_districts(round=round, districts=District.objects.filter(code__in=codes))
    rows = {row.code: row for row in kpi.rows}
    done_today = set(
        ReminderLog.objects.filter(round=round, sent_on=today).values_list("user_id", "kind")
    )
    reminders, already = [], 0
    for user in officers:
        row = rows.get(user.district_id)
        if row is None or not row.products:
            continue  # a district without a base has nothing to send
        reminder = Reminder(user=user, district=user.district)
        for deadline in due:
            status = (
                row.survey_status if deadline.kind == ReminderKind.SURVEY else row.report_status
            )
            if status not in OPEN_STATES:
                continue
            if (user.pk, deadline.kind) in done_today:
                already += 1
                continue
            reminder.forms.append((deadline, status))
        if reminder.forms:
            reminders.append(reminder)
    return due, reminders, already


def reminder_message(reminder: Reminder, *, round, base_url: str = "") -> EmailMessage:
    """The e-mail, in Thai whatever the active language."""
    path = reverse("dashboards:district", args=[round.code, reminder.district.code])
    context = {
        "reminder": reminder,
        "round": round,
        "user": reminder.user,
        "district": reminder.district,
        "url": f"{base_url.rstrip('/')}{path}",
    }
    with translation.override("th"):
        subject = render_to_string("dashboards/email/reminder_subject.txt", context)
        body = render_to_string("dashboards/email/reminder_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.user.email],
    )


def reminders_send(
    *,
    round,
    today: dt.date | None = None,
    days_before: int = DEFAULT_DAYS_BEFORE,
    repeat_after: int = DEFAULT_REPEAT_AFTER,
    dry_run: bool = False,
    base_url: str = "",
) -> ReminderResult:
    """Send today's reminders through Django's e-mail backend, each at most once a day."""
    today = today or timezone.localdate()
    due, reminders, already = reminders_due(
        round=round, today=today, days_before=days_before, repeat_after=repeat_after
    )
    result = ReminderResult(today=today, due=due, already_sent=already)
    if dry_run:
        result.sent = reminders
        return result
    connection = get_connection()
    for reminder in reminders:
        message = reminder_message(reminder, round=round, base_url=base_url)
        message.connection = connection
        try:
            with transaction.atomic():
                ReminderLog.objects.bulk_create(
                    [
                        ReminderLog(
                            round=round,
                            district=reminder.district,
                            user=reminder.user,
                            kind=deadline.kind,
                            sent_on=today,
                            days_to_deadline=deadline.days_left,
                            email=reminder.user.email,
                        )
                        for deadline, _status in reminder.forms
                    ]
                )
                message.send()
        except IntegrityError:
            # Another run claimed this reminder since reminders_due looked.
            result.already_sent += len(reminder.forms)
            continue
        except OSError as exc:  # smtplib's errors included: one failure must not stop the rest
            result.failed.append((reminder, str(exc)))
            continue
        result.sent.append(reminder)
    return result
