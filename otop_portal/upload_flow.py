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
Committing applies the file again under a lock on the form, and refuses it when the
form changed since the preview; every check against the database is made again. A flow
may keep what its preview read of the file (`kept_read`, the upload's `read`: the
survey's rows) so that its commit does not read the file again (issue #19); the report's
commit reads it again. A form that has not been started gets a bare row (still
"not started", without history) so that its uploads have something to belong to; the
commit starts it.

A refused file leads with what to do (otop_portal.refusal): the refusal keeps a headline
and every problem, and, when the problems name cells, a marked-up copy of the file
(`problems_file`: each problem cell filled and commented, otop_portal.problem_marks) for
the officer to fix and upload again; the raised exception carries the refused upload as
`upload`, so that the page can offer both downloads. The copy is pruned with the files.

A blank form (no mark and no amount anywhere, such as the form downloaded and sent
straight back) is not an answer: the preview says so, and the commit refuses it unless
the officer confirms it (`allow_blank`; `--allow-blank` in the commands).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otop_portal.downloads import XLSX, attachment
from otop_portal.importing import ImportRefused, Problem
from otop_portal.prepared import PreparedQuery
from otop_portal.problem_marks import problems_workbook_write
from otop_portal.refusal import problems_csv, refusal_of
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.totals import totals_changed
from otop_portal.workflow import (
    Status,
    Upload,
    UploadOutcome,
    WorkflowError,
    submission_for,
)

MSG_UPLOAD_DONE = _("ไฟล์นี้ดำเนินการไปแล้ว (%(outcome)s)")
MSG_PREVIEW_EXPIRED = _("ตัวอย่างนี้หมดอายุแล้ว (เก็บไว้ %(hours)s ชั่วโมงหลังอัปโหลด) กรุณาอัปโหลดไฟล์อีกครั้ง")
MSG_BLANK_FILE = _(
    "ไฟล์นี้ไม่มีเครื่องหมายหรือยอดเงินเลยสักช่อง (อาจเป็นแบบฟอร์มเปล่าที่ดาวน์โหลดแล้วส่งกลับมา) "
    "ระบบจึงไม่ถือว่าเป็นคำตอบ หากตั้งใจส่งแบบว่างจริง กรุณายืนยัน"
)


#: How many problems a refused upload keeps (the readers stop collecting at 1,000).
KEPT_PROBLEMS = 1000

logger = logging.getLogger(__name__)


def blank_refuse(*, blank: bool, allow_blank: bool) -> None:
    """Refuse a blank form unless it was confirmed (the readers say what blank is)."""
    if blank and not allow_blank:
        raise ImportRefused([Problem(str(MSG_BLANK_FILE))])


def refusal_context(exc: Exception, *, namespace: str, **kwargs) -> dict:
    """What an upload page shows of a refused file: the refusal, and the links to the
    whole list and to the marked-up copy that the refused upload kept. `namespace` and
    `kwargs` name the form's URLs ("surveys", round_code=..., code=...)."""
    context: dict = {"refusal": refusal_of(exc)}
    upload = getattr(exc, "upload", None)
    if upload is not None:
        context.update(refused_upload_urls(upload, namespace=namespace, **kwargs))
    return context


def refused_upload_urls(upload, *, namespace: str, **kwargs) -> dict:
    """The download links of a refused upload (for its page and the upload list)."""
    urls = {}
    args = {**kwargs, "upload_id": upload.pk}
    if upload.summary.get("problems"):
        urls["problems_url"] = reverse(f"{namespace}:upload_problems", kwargs=args)
    if upload.problems_file:
        urls["marked_url"] = reverse(f"{namespace}:upload_marked", kwargs=args)
    return urls


def upload_problems_response(upload) -> HttpResponse:
    """Every problem of a refused upload as a CSV download (404 when it kept none)."""
    problems = upload.summary.get("problems") if upload.outcome == UploadOutcome.REFUSED else None
    if not problems:
        raise Http404
    stem = f"{upload._meta.model_name}-{upload.pk}-problems"
    return attachment(problems_csv(problems), filename=f"{stem}.csv", content_type="text/csv")


def upload_marked_response(upload) -> FileResponse:
    """The marked-up copy of a refused upload (404 when it has none)."""
    if not upload.problems_file:
        raise Http404
    try:
        fh = upload.problems_file.open("rb")
    except OSError:  # pruned meanwhile
        raise Http404 from None
    stem = f"{upload._meta.model_name}-{upload.pk}-problems"
    return FileResponse(fh, as_attachment=True, filename=f"{stem}.xlsx", content_type=XLSX)


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
        self,
        *,
        form,
        file,
        name: str,
        by,
        dry_run: bool,
        today: dt.date | None,
        allow_blank: bool,
        kept: dict | None = None,
    ):
        """Read the file and apply it to the form, all or nothing; return a result with
        `summary()` and `blank`. Raises ImportRefused (a blank form too, unless
        allow_blank), SpreadsheetError or WorkflowError.

        `kept`: what a preview of the same file kept of its reading (kept_read); a flow
        that keeps it applies it instead of reading the file again."""
        raise NotImplementedError

    def kept_read(self, result) -> dict | None:
        """What a preview keeps of the file's reading for its commit (the upload's
        `read`), taken from the preview's result; None: the commit reads the file."""
        return None

    def stamp(self, form) -> str:
        """Changes whenever the form's answers are saved (its updated_at)."""
        (updated_at,) = _stamp_of(type(form)).get(pk=form.pk)
        return updated_at.isoformat()

    def form_for_upload(self, *, round, district):
        """The district's form for the round, for an upload to belong to: the stored one,
        or a bare one that stays "not started" (no answers, no history) until a commit."""
        lookup = {"round": round, "district": district}
        # With its round and district (those given): the reading needs the round.
        form = submission_for(self.form_model, round=round, district=district)
        if form is not None:
            return form
        form = self.form_model(**lookup, status=Status.NOT_STARTED)
        form.skip_history_when_saving = True
        try:
            with transaction.atomic():
                form.save()
                totals_changed(
                    round_ids=[round.pk], districts=[district.code], only=form.totals_kind
                )
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
            exc.upload = self.refusal_record(
                form=form, name=name, size=_size(file), by=by, exc=exc, file=file
            )
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
            read=self.kept_read(result),
        )
        file.seek(0)
        upload.file.save(name or self.default_name, File(file), save=True)
        return upload, result

    def preview_upload(
        self, *, round, district, upload_form, by
    ) -> tuple[Upload | None, Exception | None]:
        """A page's upload: its form checked (UploadForm), the district's form for it, then
        the preview. Returns the kept upload, or None with the refusal of a refused file
        (None when the upload form itself has errors; refusal_context shows a refusal)."""
        if not upload_form.is_valid():
            file = upload_form.files.get("file")
            if file is None or "file" not in upload_form.errors:
                return None, None  # no file: the field says so
            # The checks refused the file whole (too large, not a spreadsheet, over its
            # budget) before anything read or kept it: the page leads with the same
            # headline as for refused rows.
            return None, ImportRefused([Problem(str(m)) for m in upload_form.errors["file"]])
        file = upload_form.cleaned_data["file"]
        form = self.form_for_upload(round=round, district=district)
        try:
            upload, _result = self.preview(form=form, file=file, name=file.name, by=by)
        except (ImportRefused, SpreadsheetError, WorkflowError) as exc:
            return None, exc
        return upload, None

    def refusal_record(self, *, form, name: str, size: int | None, by, exc: Exception, file=None):
        """Record a refused file (who, when, name, size, reasons) without the file, but
        with its marked-up copy when the problems name cells of it."""
        record = self.upload_model.objects.create(
            **{self.form_field: form},
            original_name=name[:255],
            uploaded_by=by,
            outcome=UploadOutcome.REFUSED,
            summary=_refusal_summary(exc, size),
        )
        if file is not None:
            problems_file_save(record, file=file, name=name, exc=exc)
        return record

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
                    totals_changed(
                        round_ids=[form.round_id],
                        districts=[form.district_id],
                        only=form.totals_kind,
                    )
                with upload.file.open("rb") as fh:
                    # With the preview's reading (issue #19): the file itself is read
                    # again only if the flow kept none.
                    result = self.run(
                        form=form,
                        file=fh,
                        name=upload.original_name,
                        by=by,
                        dry_run=False,
                        today=today,
                        allow_blank=allow_blank,
                        kept=upload.read,
                    )
                upload.outcome = UploadOutcome.COMMITTED
                upload.summary = {**result.summary(), "size": upload.summary.get("size")}
                upload.read = None
                upload.save(update_fields=["outcome", "summary", "read"])
        except (ImportRefused, SpreadsheetError) as exc:
            size = upload.summary.get("size")
            upload.outcome = UploadOutcome.REFUSED
            upload.summary = _refusal_summary(exc, size)
            upload.read = None
            upload.save(update_fields=["outcome", "summary", "read"])
            if upload.file:
                with upload.file.open("rb") as fh:
                    problems_file_save(upload, file=fh, name=upload.original_name, exc=exc)
            _delete_file(upload)
            exc.upload = upload
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
        marked = model.objects.exclude(problems_file="").filter(uploaded_at__lt=now - older_than)
        for upload in marked.order_by("uploaded_at"):
            pruned.append(PrunedFile(upload, _stored_size(upload, "problems_file")))
            if not dry_run:
                upload.problems_file.delete(save=False)
                model.objects.filter(pk=upload.pk).update(problems_file="")
    return pruned


def problems_file_save(upload, *, file, name: str, exc: Exception) -> bool:
    """Keep the marked-up copy of a refused file on its upload (see the module's
    docstring); False when the problems name no cell or the copy cannot be made."""
    problems = getattr(exc, "problems", None) or []
    if not any(p.row is not None for p in problems):
        return False
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    out = io.BytesIO()
    try:
        problems_workbook_write(out, data=data, problems=problems, name=name)
    except Exception:  # the refusal stands without its copy; never a traceback for it
        logger.exception("could not mark up the refused file %s", name)
        return False
    stem = (name.rsplit(".", 1)[0] or "file")[:100]
    upload.problems_file.save(f"{stem}-problems.xlsx", ContentFile(out.getvalue()), save=True)
    return True


def _stored_size(upload, field: str = "file") -> int:
    try:
        return getattr(upload, field).size
    except OSError:  # already gone from storage
        return 0


def _still_previewed(upload) -> None:
    if upload.outcome != UploadOutcome.PREVIEWED:
        raise WorkflowError(MSG_UPLOAD_DONE % {"outcome": upload.get_outcome_display()})


def _refusal_summary(exc: Exception, size: int | None) -> dict:
    refusal = refusal_of(exc)
    first = str(refusal.problems[0]) if refusal.problems else ""
    return {
        "problems": [p.as_dict() for p in refusal.problems[:KEPT_PROBLEMS]],
        # What the upload list shows: the counts and the advice, or the only problem.
        "headline": refusal.summary() if refusal.count > 1 or refusal.advice else first,
        "advice": refusal.advice,
        "size": size,
    }


def _size(file) -> int | None:
    return getattr(file, "size", None)


def _delete_file(upload) -> None:
    """Remove an upload's file from storage once the upload no longer needs it."""
    if upload.file:
        upload.file.delete(save=False)
        type(upload).objects.filter(pk=upload.pk).update(file="", read=None)


@cache
def _stamp_of(model) -> PreparedQuery:
    """A form's last change (UploadFlow.stamp's query), compiled once."""
    return PreparedQuery(lambda pk: model.objects.filter(pk=pk).values_list("updated_at"), pk=int)
