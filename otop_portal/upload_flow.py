"""One upload flow for a district's form: preview, then commit or discard.

The readiness survey and the result report are uploaded the same way, so the flow is
written once here and each app supplies only what differs: its form and upload models,
and `run`, which reads a workbook, plans the changes and writes them (or, for a preview,
works them out and rolls them back). This module knows no app.

Nothing changes until the commit. Nothing is kept of a file the upload check or the
reader refuses except the refusal itself: who, when, the file's name and size and the
reasons. A previewed file is kept until it is committed or discarded (its file is then
deleted) or until it expires a day after the preview (`prune_uploads` deletes the files
of expired previews; until then the pages treat them as expired without writing).
Committing reads the kept file again under a lock on the form, and refuses it when the
form changed since the preview. A form that has not been started gets a bare row (still
"not started", without history) so that its uploads have something to belong to; the
commit starts it.

A blank form (no mark and no amount anywhere, such as the form downloaded and sent
straight back) is not an answer: the preview says so, and the commit refuses it unless
the officer confirms it (`allow_blank`; `--allow-blank` in the commands).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otop_portal.importing import ImportRefused, Problem
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.workflow import Status, Upload, UploadOutcome, WorkflowError

MSG_UPLOAD_DONE = _("ไฟล์นี้ดำเนินการไปแล้ว (%(outcome)s)")
MSG_PREVIEW_EXPIRED = _("ตัวอย่างนี้หมดอายุแล้ว (เก็บไว้ %(hours)s ชั่วโมงหลังอัปโหลด) กรุณาอัปโหลดไฟล์อีกครั้ง")
MSG_BLANK_FILE = _(
    "ไฟล์นี้ไม่มีเครื่องหมายหรือยอดเงินเลยสักช่อง (อาจเป็นแบบฟอร์มเปล่าที่ดาวน์โหลดแล้วส่งกลับมา) "
    "ระบบจึงไม่ถือว่าเป็นคำตอบ หากตั้งใจส่งแบบว่างจริง กรุณายืนยัน"
)


#: How many problems a refused upload keeps.
KEPT_PROBLEMS = 200


def blank_refuse(*, blank: bool, allow_blank: bool) -> None:
    """Refuse a blank form unless it was confirmed (the readers say what blank is)."""
    if blank and not allow_blank:
        raise ImportRefused([Problem(str(MSG_BLANK_FILE))])


def problems_of(exc: Exception) -> list[Problem]:
    """The problems of a refused file, whichever way it was refused."""
    problems = getattr(exc, "problems", None)
    if problems is not None:
        return list(problems)
    return [Problem(str(getattr(exc, "message", None) or exc))]


class UploadFlow:
    """Preview, commit and discard of one form's uploads; see the module's docstring."""

    #: The form (a Submission whose upload model has a foreign key to it, related
    #: name "uploads"), and why a preview can no longer be committed: the form changed.
    form_model: ClassVar[type[models.Model]]
    stale_message: ClassVar[Any]
    #: What a commit selects with the locked form.
    form_related: ClassVar[tuple[str, ...]] = ("round__fiscal_year", "district__province")

    @property
    def upload_model(self) -> type[Upload]:
        return self.form_model.uploads.rel.related_model

    @property
    def form_field(self) -> str:
        """The upload's foreign key to its form, e.g. "survey"."""
        return self.form_model.uploads.field.name

    @property
    def default_name(self) -> str:
        """The file's name when the browser sent none."""
        return f"{self.form_field}.xlsx"

    def run(
        self, *, form, file, name: str, by, dry_run: bool, today: dt.date | None, allow_blank: bool
    ):
        """Read the file and apply it to the form, all or nothing; return a result with
        `summary()` and `blank`. Raises ImportRefused (a blank form too, unless
        allow_blank), SpreadsheetError or WorkflowError."""
        raise NotImplementedError

    def stamp(self, form) -> str:
        """Changes whenever the form's answers are saved (its updated_at)."""
        return (
            type(form)
            .objects.filter(pk=form.pk)
            .values_list("updated_at", flat=True)
            .get()
            .isoformat()
        )

    def form_for_upload(self, *, round, district):
        """The district's form for the round, for an upload to belong to: the stored one,
        or a bare one that stays "not started" (no answers, no history) until a commit."""
        lookup = {"round": round, "district": district}
        form = self.form_model.objects.filter(**lookup).first()
        if form is not None:
            return form
        form = self.form_model(**lookup, status=Status.NOT_STARTED)
        form.skip_history_when_saving = True
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:  # started meanwhile by another request
            return self.form_model.objects.get(**lookup)
        return form

    def preview(self, *, form, file, name: str, by, today: dt.date | None = None):
        """Work out what importing the file would change; keep the file for the commit.

        A refused file is not kept: the refusal is recorded with its problems and
        ImportRefused, SpreadsheetError or WorkflowError is raised.
        """
        try:
            result = self.run(
                form=form,
                file=file,
                name=name,
                by=by,
                dry_run=True,
                today=today,
                allow_blank=True,
            )
        except (ImportRefused, SpreadsheetError, WorkflowError) as exc:
            self.refusal_record(form=form, name=name, size=_size(file), by=by, exc=exc)
            raise
        upload = self.upload_model(
            **{self.form_field: form},
            original_name=name[:255],
            uploaded_by=by,
            summary={
                **result.summary(),
                "stamp": self.stamp(form),
                "size": _size(file),
                "blank": result.blank,
            },
        )
        file.seek(0)
        upload.file.save(name or self.default_name, File(file), save=True)
        return upload, result

    def preview_upload(
        self, *, round, district, upload_form, by
    ) -> tuple[Upload | None, list[Problem]]:
        """A page's upload: its form checked (UploadForm), the district's form for it, then
        the preview. Returns the kept upload, or None with every problem of a refused file
        (none when the upload form itself has errors)."""
        if not upload_form.is_valid():
            return None, []
        file = upload_form.cleaned_data["file"]
        form = self.form_for_upload(round=round, district=district)
        try:
            upload, _result = self.preview(form=form, file=file, name=file.name, by=by)
        except (ImportRefused, SpreadsheetError, WorkflowError) as exc:
            return None, problems_of(exc)
        return upload, []

    def refusal_record(self, *, form, name: str, size: int | None, by, exc: Exception):
        """Record a refused file (who, when, name, size, reasons) without the file."""
        return self.upload_model.objects.create(
            **{self.form_field: form},
            original_name=name[:255],
            uploaded_by=by,
            outcome=UploadOutcome.REFUSED,
            summary=_refusal_summary(exc, size),
        )

    def commit(self, *, upload, by, today: dt.date | None = None, allow_blank: bool = False):
        """Import a previewed upload, provided nobody changed the form since the preview.

        The form's row is locked first, and the upload and the form are checked under
        the lock: of two uploads committed at once, the second waits for the first, then
        finds the form changed and is refused (it is never applied over the first).
        """
        try:
            with transaction.atomic():
                form = (
                    self.form_model.objects.select_for_update()
                    .select_related(*self.form_related)
                    .get(pk=getattr(upload, f"{self.form_field}_id"))
                )
                upload = self.upload_model.objects.select_for_update().get(pk=upload.pk)
                _still_previewed(upload)
                if upload.preview_expired():
                    lifetime = upload.PREVIEW_LIFETIME.total_seconds()
                    raise WorkflowError(MSG_PREVIEW_EXPIRED % {"hours": int(lifetime // 3600)})
                if upload.summary.get("stamp") != self.stamp(form):
                    raise WorkflowError(self.stale_message)
                if upload.summary.get("blank") and not allow_blank:
                    raise WorkflowError(MSG_BLANK_FILE)
                if form.status == Status.NOT_STARTED:
                    form.status = Status.DRAFT
                    form.save(update_fields=["status", "updated_at"])
                with upload.file.open("rb") as fh:
                    result = self.run(
                        form=form,
                        file=fh,
                        name=upload.original_name,
                        by=by,
                        dry_run=False,
                        today=today,
                        allow_blank=allow_blank,
                    )
                upload.outcome = UploadOutcome.COMMITTED
                upload.summary = {**result.summary(), "size": upload.summary.get("size")}
                upload.save(update_fields=["outcome", "summary"])
        except (ImportRefused, SpreadsheetError) as exc:
            size = upload.summary.get("size")
            upload.outcome = UploadOutcome.REFUSED
            upload.summary = _refusal_summary(exc, size)
            upload.save(update_fields=["outcome", "summary"])
            _delete_file(upload)
            raise
        return result

    def discard(self, *, upload, by):
        """Drop a previewed upload and its file; nothing else changes."""
        with transaction.atomic():
            upload = self.upload_model.objects.select_for_update().get(pk=upload.pk)
            _still_previewed(upload)
            upload.outcome = UploadOutcome.DISCARDED
            upload.save(update_fields=["outcome"])
        _delete_file(upload)
        return upload


@dataclass
class PrunedFile:
    upload: Upload
    size: int


def upload_files_prune(
    *, older_than: dt.timedelta | None = None, dry_run: bool = False
) -> list[PrunedFile]:
    """Delete the files of every form's uploads that are older than `older_than`
    (settings.UPLOADS_KEEP_FILES_DAYS by default) or whose preview expired. The upload
    rows stay, with who, when, the file's name and size and what became of it."""
    now = timezone.now()
    if older_than is None:
        older_than = dt.timedelta(days=settings.UPLOADS_KEEP_FILES_DAYS)
    pruned = []
    for model in apps.get_models():
        if not issubclass(model, Upload):
            continue
        stale = model.objects.exclude(file="").filter(
            models.Q(uploaded_at__lt=now - older_than)
            | models.Q(
                outcome=UploadOutcome.PREVIEWED, uploaded_at__lt=now - Upload.PREVIEW_LIFETIME
            )
        )
        for upload in stale.order_by("uploaded_at"):
            pruned.append(PrunedFile(upload, _stored_size(upload)))
            if not dry_run:
                _delete_file(upload)
    return pruned


def _stored_size(upload) -> int:
    try:
        return upload.file.size
    except OSError:  # already gone from storage
        return 0


def _still_previewed(upload) -> None:
    if upload.outcome != UploadOutcome.PREVIEWED:
        raise WorkflowError(MSG_UPLOAD_DONE % {"outcome": upload.get_outcome_display()})


def _refusal_summary(exc: Exception, size: int | None) -> dict:
    problems = problems_of(exc)
    return {
        "problems": [p.as_dict() for p in problems[:KEPT_PROBLEMS]],
        "headline": str(problems[0]) if problems else "",
        "size": size,
    }


def _size(file) -> int | None:
    return getattr(file, "size", None)


def _delete_file(upload) -> None:
    """Remove an upload's file from storage once the upload no longer needs it."""
    if upload.file:
        upload.file.delete(save=False)
        type(upload).objects.filter(pk=upload.pk).update(file="")
