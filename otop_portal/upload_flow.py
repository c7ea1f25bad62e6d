"""One upload flow for a district's form: preview, then commit or discard.

The readiness survey and the result report are uploaded the same way, so the flow is
written once here and each app supplies only what differs: its form and upload models,
and `run`, which reads a workbook, plans the changes and writes them (or, for a preview,
works them out and rolls them back). This module knows no app.

Nothing is kept of a file the upload check or the reader refuses except the refusal
itself: who, when, the file's name and size and the reasons. A previewed file is kept
until it is committed or discarded; committing it again reads the kept file under a
lock on the form, and refuses it when the form changed since the preview.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.core.files import File
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from otop_portal.importing import ImportRefused, Problem
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.workflow import Upload, UploadOutcome, WorkflowError

MSG_UPLOAD_DONE = _("ไฟล์นี้ดำเนินการไปแล้ว (%(outcome)s)")

#: How many problems a refused upload keeps.
KEPT_PROBLEMS = 200


def problems_of(exc: Exception) -> list[Problem]:
    """The problems of a refused file, whichever way it was refused."""
    problems = getattr(exc, "problems", None)
    if problems is not None:
        return list(problems)
    return [Problem(str(getattr(exc, "message", None) or exc))]


class UploadFlow:
    """Preview, commit and discard of one form's uploads; see the module's docstring."""

    #: The form (a Submission) and its upload model (an Upload).
    form_model: ClassVar[type[models.Model]]
    upload_model: ClassVar[type[Upload]]
    #: The upload's foreign key to its form, e.g. "survey".
    form_field: ClassVar[str]
    #: What a commit selects with the locked form.
    form_related: ClassVar[tuple[str, ...]] = ("round", "district")
    #: The file's name when the browser sent none.
    default_name: ClassVar[str] = "upload.xlsx"
    #: Why a preview can no longer be committed: the form changed since.
    stale_message: ClassVar[Any]

    def run(self, *, form, file, name: str, by, dry_run: bool, today: dt.date | None):
        """Read the file and apply it to the form, all or nothing; return a result with
        `summary()`. Raises ImportRefused, SpreadsheetError or WorkflowError."""
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

    def preview(self, *, form, file, name: str, by, today: dt.date | None = None):
        """Work out what importing the file would change; keep the file for the commit.

        A refused file is not kept: the refusal is recorded with its problems and
        ImportRefused, SpreadsheetError or WorkflowError is raised.
        """
        try:
            result = self.run(form=form, file=file, name=name, by=by, dry_run=True, today=today)
        except (ImportRefused, SpreadsheetError, WorkflowError) as exc:
            self.refusal_record(form=form, name=name, size=_size(file), by=by, exc=exc)
            raise
        upload = self.upload_model(
            **{self.form_field: form},
            original_name=name[:255],
            uploaded_by=by,
            summary={**result.summary(), "stamp": self.stamp(form), "size": _size(file)},
        )
        file.seek(0)
        upload.file.save(name or self.default_name, File(file), save=True)
        return upload, result

    def refusal_record(self, *, form, name: str, size: int | None, by, exc: Exception):
        """Record a refused file (who, when, name, size, reasons) without the file."""
        return self.upload_model.objects.create(
            **{self.form_field: form},
            original_name=name[:255],
            uploaded_by=by,
            outcome=UploadOutcome.REFUSED,
            summary=_refusal_summary(exc, size),
        )

    def commit(self, *, upload, by, today: dt.date | None = None):
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
                if upload.summary.get("stamp") != self.stamp(form):
                    raise WorkflowError(self.stale_message)
                with upload.file.open("rb") as fh:
                    result = self.run(
                        form=form,
                        file=fh,
                        name=upload.original_name,
                        by=by,
                        dry_run=False,
                        today=today,
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
