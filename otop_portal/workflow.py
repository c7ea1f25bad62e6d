"""The review workflow shared by the readiness survey and the result report.

A district's form moves draft -> submitted -> (returned -> submitted)* -> approved.
Approval locks it. After the round's deadline a submission is still accepted and marked
late, unless the round locks after its deadline; provincial staff can then grant the
district an exception until a date. Every transition is saved with who, when and why in
the form's history (django-simple-history), which the pages show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from otop_portal.dates import be_date
from otop_portal.prepared import PreparedQuery
from otop_portal.totals import totals_changed


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("ยังไม่เริ่ม")
    DRAFT = "draft", _("ร่าง")
    SUBMITTED = "submitted", _("ส่งแล้ว")
    RETURNED = "returned", _("ส่งคืนให้แก้ไข")
    APPROVED = "approved", _("อนุมัติแล้ว")


MSG_NOT_EDITABLE_APPROVED = _("แบบนี้อนุมัติแล้ว จึงแก้ไขไม่ได้")
MSG_NOT_EDITABLE_SUBMITTED = _("แบบนี้ส่งแล้วและรอจังหวัดตรวจ จึงแก้ไขไม่ได้จนกว่าจะถูกส่งคืน")
MSG_NOT_EDITABLE_DEADLINE = _("พ้นกำหนดส่งวันที่ %(deadline)s แล้ว และรอบนี้ปิดรับหลังกำหนด")
MSG_NOT_EDITABLE_SCOPE = _("แบบนี้ไม่ใช่ของอำเภอของท่าน จึงดูได้อย่างเดียว")
MSG_CANNOT_SUBMIT_STATE = _("ส่งได้เฉพาะแบบที่เป็นร่างหรือถูกส่งคืน")
MSG_CANNOT_REVIEW_STATE = _("ตรวจได้เฉพาะแบบที่ส่งแล้ว")
MSG_CANNOT_RETURN_STATE = _("ส่งคืนได้เฉพาะแบบที่ส่งแล้วหรืออนุมัติแล้ว")
MSG_REASON_REQUIRED = _("ต้องระบุเหตุผลที่ส่งคืน")
MSG_NO_PERMISSION = _("ท่านไม่มีสิทธิ์ทำรายการนี้")


class WorkflowError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Submission(models.Model):
    """Fields and rules common to a district's survey and report for a round."""

    #: The Round field that holds this form's deadline.
    deadline_field: str = ""
    #: Which form's figures of the district totals a change of status touches
    #: (otop_portal.totals.FORM_KINDS).
    totals_kind: str = ""

    status = models.CharField(
        _("สถานะ"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("ส่งเมื่อ"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("ตรวจเมื่อ"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    return_reason = models.TextField(_("เหตุผลที่ส่งคืน"), blank=True)
    late = models.BooleanField(_("ส่งช้า"), default=False)
    unlocked_until = models.DateField(
        _("ขยายเวลาให้ถึงวันที่"),
        null=True,
        blank=True,
        help_text=_("ข้อยกเว้นที่จังหวัดให้ เมื่อรอบปิดรับหลังกำหนด"),
    )
    updated_at = models.DateTimeField(_("แก้ไขล่าสุด"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def deadline(self) -> dt.date:
        return getattr(self.round, self.deadline_field)

    # Who may write and who may review the form: the concrete form answers with the
    # scoping rules of its district (districts.scoping.DistrictForm), since the ground
    # floor knows no app.
    def editable_by(self, user) -> bool:
        raise NotImplementedError

    def reviewable_by(self, user) -> bool:
        raise NotImplementedError

    def is_past_deadline(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return today > self.deadline

    def is_closed_by_deadline(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        if not self.round.lock_after_deadline or not self.is_past_deadline(today):
            return False
        return not (self.unlocked_until and today <= self.unlocked_until)

    def lock_reason(self, user, today: dt.date | None = None):
        """Why `user` cannot edit this form now, or None if they can. The one "form is
        locked" rule: with no user (a command run on the server) only the state counts."""
        if user is not None and not self.editable_by(user):
            return MSG_NOT_EDITABLE_SCOPE
        if self.status == Status.APPROVED:
            return MSG_NOT_EDITABLE_APPROVED
        if self.status == Status.SUBMITTED:
            return MSG_NOT_EDITABLE_SUBMITTED
        if self.is_closed_by_deadline(today):
            return MSG_NOT_EDITABLE_DEADLINE % {"deadline": be_date(self.deadline)}
        return None

    def missing_for_submit(self) -> list[str]:
        """Reasons the form is not complete enough to submit; overridden per form."""
        return []


MSG_PREVIEW_EXPIRED_LABEL = _("หมดอายุ")


class UploadOutcome(models.TextChoices):
    PREVIEWED = "previewed", _("รอยืนยัน")
    COMMITTED = "committed", _("นำเข้าแล้ว")
    REFUSED = "refused", _("ไม่รับ")
    DISCARDED = "discarded", pgettext_lazy("upload outcome", "ยกเลิก")


class Upload(models.Model):
    """A workbook a district sent for its form, kept with who sent it and what became of
    it (provenance). Each form's upload model adds the foreign key to its form and the
    folder its files go to."""

    Outcome = UploadOutcome

    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(
        max_length=10, choices=UploadOutcome.choices, default=UploadOutcome.PREVIEWED
    )
    summary = models.JSONField(default=dict, blank=True)
    #: A refused file's marked-up copy: each problem cell filled and commented
    #: (otop_portal.upload_flow), served only through the form's scoped download view.
    problems_file = models.FileField(upload_to="uploads/problems/%Y/%m/", blank=True)
    #: What a preview read from the file, kept for its commit so that the commit does
    #: not read the file again (UploadFlow.kept_read); emptied with the file.
    read = models.JSONField(null=True, blank=True, editable=False)

    #: How long a preview can be committed; later it has expired (see upload_flow).
    PREVIEW_LIFETIME = dt.timedelta(days=1)

    class Meta:
        abstract = True
        ordering = ["-uploaded_at"]

    def preview_expired(self, now: dt.datetime | None = None) -> bool:
        """A preview older than PREVIEW_LIFETIME can no longer be committed. Pages treat
        it as expired without writing; prune_uploads deletes its file."""
        now = now or timezone.now()
        return self.outcome == UploadOutcome.PREVIEWED and (
            self.uploaded_at < now - self.PREVIEW_LIFETIME
        )

    @property
    def can_reopen(self) -> bool:
        return self.outcome == UploadOutcome.PREVIEWED and not self.preview_expired()

    @property
    def outcome_label(self) -> str:
        if self.preview_expired():
            return MSG_PREVIEW_EXPIRED_LABEL
        # The choice's own label: get_outcome_display() translates every choice's label
        # to look one up (issue #19: a third of what the upload page's list of ten cost).
        try:
            return str(UploadOutcome(self.outcome).label)
        except ValueError:
            return self.outcome


# ---------------------------------------------------------------------------
# The history: the change reasons the services write and the pages read
# ---------------------------------------------------------------------------

#: The length of simple_history's history_change_reason column.
CHANGE_REASON_MAX_LENGTH = 100

CHANGE_REASON_SUBMITTED = "submitted"
CHANGE_REASON_APPROVED = "approved"
#: A report line saved in the browser.
CHANGE_REASON_SAVED = "saved"
#: A report line created, with its baseline, when the report is started.
CHANGE_REASON_PREFILLED = "prefilled"
CHANGE_REASON_RETURNED_PREFIX = "returned: "
#: An approved form returned to the district (reopened) by the province.
CHANGE_REASON_REOPENED_PREFIX = "reopened: "
CHANGE_REASON_EXCEPTION_PREFIX = "exception until "
CHANGE_REASON_IMPORT_PREFIX = "import: "

MSG_HISTORY_SYSTEM = _("ระบบ")
MSG_HISTORY_RETURNED = _("ส่งคืนให้แก้ไข: %(reason)s")
MSG_HISTORY_REOPENED = _("เปิดให้แก้ไขอีกครั้งหลังอนุมัติ: %(reason)s")
MSG_HISTORY_APPROVED = _("อนุมัติ")
MSG_HISTORY_EXCEPTION = _("ขยายเวลาให้ถึงวันที่ %(date)s")
MSG_HISTORY_IMPORTED = _("นำเข้าจากไฟล์ %(name)s")


def change_reason_returned(reason: str) -> str:
    """The history's note of a return: the province's reason, cut with "…" to fit the
    note's 100 characters (the form takes 2,000). The whole reason is kept on the
    form (Submission.return_reason), which the district's history shows."""
    note = f"{CHANGE_REASON_RETURNED_PREFIX}{reason}"
    if len(note) > CHANGE_REASON_MAX_LENGTH:
        note = note[: CHANGE_REASON_MAX_LENGTH - 1] + "…"
    return note


def change_reason_reopened(reason: str) -> str:
    """As change_reason_returned, for an approved form the province reopens."""
    note = f"{CHANGE_REASON_REOPENED_PREFIX}{reason}"
    if len(note) > CHANGE_REASON_MAX_LENGTH:
        note = note[: CHANGE_REASON_MAX_LENGTH - 1] + "…"
    return note


def change_reason_exception(until: dt.date) -> str:
    return f"{CHANGE_REASON_EXCEPTION_PREFIX}{until.isoformat()}"


def change_reason_import(file_name: str) -> str:
    return f"{CHANGE_REASON_IMPORT_PREFIX}{file_name}"[:CHANGE_REASON_MAX_LENGTH]


@dataclass(frozen=True)
class ChangeReason:
    """A history record's change reason, read back."""

    #: "submitted", "returned", "reopened", "approved", "exception", "import", "saved",
    #: "prefilled",
    #: or None for no reason or one this vocabulary does not know.
    action: str | None
    return_reason: str = ""
    #: None also for an exception whose date does not read.
    until: dt.date | None = None
    file_name: str = ""


_PLAIN_REASONS = (
    CHANGE_REASON_SUBMITTED,
    CHANGE_REASON_APPROVED,
    CHANGE_REASON_SAVED,
    CHANGE_REASON_PREFILLED,
)


def change_reason_parse(reason: str | None) -> ChangeReason:
    reason = reason or ""
    if reason in _PLAIN_REASONS:
        return ChangeReason(reason)
    if reason.startswith(CHANGE_REASON_RETURNED_PREFIX):
        return ChangeReason("returned", return_reason=reason[len(CHANGE_REASON_RETURNED_PREFIX) :])
    if reason.startswith(CHANGE_REASON_REOPENED_PREFIX):
        return ChangeReason("reopened", return_reason=reason[len(CHANGE_REASON_REOPENED_PREFIX) :])
    if reason.startswith(CHANGE_REASON_EXCEPTION_PREFIX):
        try:
            until = dt.date.fromisoformat(reason[len(CHANGE_REASON_EXCEPTION_PREFIX) :])
        except ValueError:
            until = None
        return ChangeReason("exception", until=until)
    if reason.startswith(CHANGE_REASON_IMPORT_PREFIX):
        return ChangeReason("import", file_name=reason[len(CHANGE_REASON_IMPORT_PREFIX) :])
    return ChangeReason(None)


@dataclass
class HistoryItem:
    """One line of a form's history as its page shows it."""

    when: dt.datetime
    who: str
    what: str


@dataclass(frozen=True)
class HistoryLabels:
    """A form's own words for its history (lazy strings); the other steps read alike."""

    created: str
    submitted: str
    submitted_late: str
    changed: str
    #: For an import saved on the form's own record, or None to show it as a change.
    imported: str | None = None


def who_label(user) -> str:
    """Who saved a history record: the user's full name, else the username; the system
    for a save without a user."""
    if user is None:
        return str(MSG_HISTORY_SYSTEM)
    return user.get_full_name() or user.username


def history_event(record, *, labels: HistoryLabels) -> str:
    """What a form's history record did, in the UI's language."""
    if record.history_type == "+":
        return str(labels.created)
    reason = change_reason_parse(record.history_change_reason)
    if reason.action == "submitted":
        return str(labels.submitted_late if record.late else labels.submitted)
    if reason.action in ("returned", "reopened"):
        # The record's own copy of the form holds the whole reason; the note only its
        # first 90 characters.
        whole = getattr(record, "return_reason", "") or reason.return_reason
        message = MSG_HISTORY_REOPENED if reason.action == "reopened" else MSG_HISTORY_RETURNED
        return str(message) % {"reason": whole}
    if reason.action == "approved":
        return str(MSG_HISTORY_APPROVED)
    if reason.action == "exception" and reason.until is not None:
        return str(MSG_HISTORY_EXCEPTION) % {"date": be_date(reason.until)}
    if reason.action == "import" and labels.imported is not None:
        return str(labels.imported) % {"name": reason.file_name}
    return str(labels.changed)


@dataclass
class HistoryRecord:
    """What history_event reads of a form's history record, read without the ORM."""

    history_type: str
    history_change_reason: str | None
    late: bool
    return_reason: str


def form_history_sql(form_model: type[models.Model]) -> str:
    """The part of a history statement (history_read) that gives a form's own records,
    the newest `limit`: its parameters are the form's id and `limit`."""
    return f"""
SELECT * FROM (
  SELECT h.history_date, 'form', h.history_type, h.history_change_reason, h.late,
         h.return_reason, '', '', u.username, u.first_name, u.last_name
  FROM {form_model.history.model._meta.db_table} h
  LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = h.history_user_id
  WHERE h.id = %s ORDER BY h.history_date DESC LIMIT %s) f
"""  # noqa: S608 - table names from the models, every value a parameter


def history_read(
    sql: str, params: list, *, limit: int, labels: HistoryLabels, describe
) -> list[HistoryItem]:
    """A form's history in one statement of raw SQL, newest first, at most `limit` items.

    The form's page listed its history from three ORM queries; building them cost 7 ms
    of the page, the statement 1 ms (issue #19). `sql` is a UNION ALL of form_history_sql
    and parts of the same 11 columns: when, a kind, history_type, change reason, late,
    return_reason, a name, a note, and the user's username, first and last names. A
    form's own record says what it did through `labels`; any other is worded by
    `describe(kind, change reason, name, note)`. Times come back aware (SQLite gives
    the text it stores); who is worded as who_label words it."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    items = []
    for when, kind, type_, reason, late, return_reason, name, note, user, first, last in rows:
        if isinstance(when, str):
            when = dt.datetime.fromisoformat(when)
        if timezone.is_naive(when):
            when = timezone.make_aware(when, dt.UTC)
        if user is None:
            who = str(MSG_HISTORY_SYSTEM)
        else:  # as User.get_full_name(), else the username
            who = f"{first} {last}".strip() or user
        if kind == "form":
            record = HistoryRecord(type_, reason, bool(late), return_reason or "")
            what = history_event(record, labels=labels)
        else:
            what = describe(kind, reason, name, note)
        items.append(HistoryItem(when, who, what))
    items.sort(key=lambda item: item.when, reverse=True)
    return items[:limit]


def submission_for(model: type[Submission], *, round, district, people: bool = False):
    """A district's form (`model`: the survey or the report) of the round, or None; its
    round and district are the ones given (not joined again). `people`: with who
    submitted and who reviewed it, for the pages that show them (issue #19: joining
    them cost every other page 1 ms). One row by its unique key."""
    if people:
        forms = model.objects.select_related("submitted_by", "reviewed_by")
        try:
            form = forms.get(round=round, district=district)
        except model.DoesNotExist:
            return None
    else:
        form = _form_by_key(model).get(round_id=round.pk, district_id=district.pk)
        if form is None:
            return None
    form.round, form.district = round, district
    return form


@cache
def _form_by_key(model: type[Submission]) -> PreparedQuery:
    """submission_for's query of `model`, compiled once (otop_portal.prepared)."""
    return PreparedQuery(
        lambda round_id, district_id: model.objects.filter(
            round_id=round_id, district_id=district_id
        ),
        round_id=int,
        district_id=str,
    )


def _save(submission: Submission, reason: str, by=None) -> None:
    submission._change_reason = reason
    if by is not None:
        # Outside a request (a command, a task) simple_history has no user to record.
        submission._history_user = by
    submission.save()
    # A form's status, lateness and last change are in the district's totals.
    totals_changed(
        round_ids=[submission.round_id],
        districts=[submission.district_id],
        only=submission.totals_kind,
    )


def submission_submit(*, submission: Submission, by, today: dt.date | None = None) -> Submission:
    if not submission.editable_by(by):
        raise WorkflowError(MSG_NO_PERMISSION)
    if submission.status not in (Status.DRAFT, Status.RETURNED):
        raise WorkflowError(MSG_CANNOT_SUBMIT_STATE)
    if submission.is_closed_by_deadline(today):
        raise WorkflowError(MSG_NOT_EDITABLE_DEADLINE % {"deadline": be_date(submission.deadline)})
    missing = submission.missing_for_submit()
    if missing:
        raise WorkflowError(" ".join(str(m) for m in missing))
    with transaction.atomic():
        submission.status = Status.SUBMITTED
        submission.submitted_at = timezone.now()
        submission.submitted_by = by
        submission.late = submission.is_past_deadline(today)
        _save(submission, CHANGE_REASON_SUBMITTED, by)
    return submission


def submission_return(*, submission: Submission, by, reason: str) -> Submission:
    """Return a submitted form to the district, or reopen an approved one (issue #15):
    either needs a reason, which the district reads; the history says who and why."""
    if not submission.reviewable_by(by):
        raise WorkflowError(MSG_NO_PERMISSION)
    if submission.status not in (Status.SUBMITTED, Status.APPROVED):
        raise WorkflowError(MSG_CANNOT_RETURN_STATE)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(MSG_REASON_REQUIRED)
    reopened = submission.status == Status.APPROVED
    with transaction.atomic():
        submission.status = Status.RETURNED
        submission.reviewed_at = timezone.now()
        submission.reviewed_by = by
        submission.return_reason = reason
        note = change_reason_reopened(reason) if reopened else change_reason_returned(reason)
        _save(submission, note, by)
    return submission


def submission_approve(*, submission: Submission, by) -> Submission:
    if not submission.reviewable_by(by):
        raise WorkflowError(MSG_NO_PERMISSION)
    if submission.status != Status.SUBMITTED:
        raise WorkflowError(MSG_CANNOT_REVIEW_STATE)
    with transaction.atomic():
        submission.status = Status.APPROVED
        submission.reviewed_at = timezone.now()
        submission.reviewed_by = by
        _save(submission, CHANGE_REASON_APPROVED, by)
    return submission


def submission_grant_exception(*, submission: Submission, by, until: dt.date) -> Submission:
    if not submission.reviewable_by(by):
        raise WorkflowError(MSG_NO_PERMISSION)
    submission.unlocked_until = until
    _save(submission, change_reason_exception(until), by)
    return submission


# ---------------------------------------------------------------------------
# What the district changed since the province returned the form
# ---------------------------------------------------------------------------

MSG_CHANGE_ADDED = _("เพิ่ม")
MSG_CHANGE_REMOVED = _("ลบ")
MSG_CHANGE_CHANGED = _("แก้ไข")


MSG_VALUE_YES = _("ใช่")
MSG_VALUE_NO = _("ไม่ใช่")


def change_value_label(value) -> str:
    """A field's value as the changes view writes it: yes/no, an amount with separators,
    a dash for nothing."""
    if value is True:
        return str(MSG_VALUE_YES)
    if value is False:
        return str(MSG_VALUE_NO)
    if value is None or value == "":
        return "–"
    if isinstance(value, (int, float)) or hasattr(value, "quantize"):
        return f"{value:,.2f}"
    return str(value)


@dataclass
class FieldChange:
    label: str
    before: object
    after: object

    @property
    def before_label(self) -> str:
        return change_value_label(self.before)

    @property
    def after_label(self) -> str:
        return change_value_label(self.after)


@dataclass
class RowChange:
    """One line or answer of a form changed since the return: "changed" (with each
    field before -> after), "added" or "removed"."""

    key: object
    kind: str
    fields: list[FieldChange]
    #: The row's history record after the change (or before, for a removed row), for
    #: the caller to name it (its product, its entrepreneur).
    record: object = None

    @property
    def kind_label(self) -> str:
        return str(
            {"added": MSG_CHANGE_ADDED, "removed": MSG_CHANGE_REMOVED}.get(
                self.kind, MSG_CHANGE_CHANGED
            )
        )


def last_return(submission: Submission):
    """The form's latest history record of a return or a reopening, or None."""
    if submission is None or submission.pk is None:
        return None
    return (
        submission.history.filter(
            models.Q(history_change_reason__startswith=CHANGE_REASON_RETURNED_PREFIX)
            | models.Q(history_change_reason__startswith=CHANGE_REASON_REOPENED_PREFIX)
        )
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
        .first()
    )


def rows_changed_since(
    records,
    *,
    key: str,
    fields: dict[str, str],
    since: dt.datetime,
    untracked: dict | None = None,
) -> list[RowChange]:
    """Compare each row's state at `since` with its latest state, from its history
    `records` (all of the form's rows, any order): changed fields before -> after, rows
    added after `since` and rows deleted after it. `key` names the row (its product),
    `fields` maps the compared fields to their labels. Unchanged rows are left out.

    Rows created in bulk without history (a survey's answers, made blank when it
    starts) first appear as an update: with `untracked`, such a row was there before,
    with these values."""
    before: dict = {}
    after: dict = {}
    records_by_row: dict = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        row = getattr(record, key)
        records_by_row.setdefault(row, []).append(record)
        if record.history_date <= since:
            before[row] = record
        after[row] = record
    out = []
    for row, last in after.items():
        first = before.get(row)
        if first is None and untracked is not None:
            earliest = next(r for r in records_by_row[row])
            if earliest.history_type == "~":
                first = _Untracked(untracked)
        alive_before = first is not None and first.history_type != "-"
        alive_now = last.history_type != "-"
        if not alive_before and alive_now:
            out.append(RowChange(row, "added", [], last))
        elif alive_before and not alive_now:
            out.append(RowChange(row, "removed", [], first))
        elif alive_before and alive_now:
            diffs = [
                FieldChange(str(label), getattr(first, name), getattr(last, name))
                for name, label in fields.items()
                if getattr(first, name) != getattr(last, name)
            ]
            if diffs:
                out.append(RowChange(row, "changed", diffs, last))
    return out


class _Untracked:
    """The state of a row before its first history record, when it was made in bulk."""

    history_type = "+"

    def __init__(self, values: dict):
        self.__dict__.update(values)
