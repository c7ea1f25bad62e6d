"""A background job: an import or export that a user started, with its progress and result.

A Job row is the user's view of the work; the django-tasks result (`task_result_id`) is
the queue's. The job's own status is the truth for the pages: it moves
queued -> running -> succeeded | failed, and only the runner (jobs.runner.job_run) and
the reaper (jobs.services.job_reap_stale) move it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    REGISTRY_IMPORT = "registry_import", _("นำเข้าทะเบียน OTOP")
    SURVEY_IMPORT = "survey_import", _("นำเข้าแบบสำรวจความพร้อม")
    REPORT_IMPORT = "report_import", _("นำเข้าแบบรายงานผล")
    SURVEY_EXPORT = "survey_export", _("ส่งออกแบบสำรวจความพร้อม")
    REPORT_EXPORT = "report_export", _("ส่งออกแบบรายงานผล")
    TARGETS_EXPORT = "targets_export", _("ส่งออกแบบเป้าหมายตัวชี้วัด")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("รอคิว")
    RUNNING = "running", _("กำลังทำงาน")
    SUCCEEDED = "succeeded", _("เสร็จแล้ว")
    FAILED = "failed", _("ไม่สำเร็จ")


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> JobQuerySet:
        """A user sees the jobs they started; administrators see every job.

        Jobs are not scoped by district: a job's parameters and files are its starter's,
        so even a colleague of the same district does not see them.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_portal_admin:
            return self.all()
        return self.filter(user=user)


class Job(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("ผู้สั่งงาน"),
    )
    kind = models.CharField(_("ประเภทงาน"), max_length=40, choices=JobKind.choices)
    params = models.JSONField(_("พารามิเตอร์"), default=dict, blank=True)
    #: What the job is about, for the lists ("อำเภอแม่ใจ รอบ 2564-2").
    label = models.CharField(_("รายละเอียด"), max_length=255, blank=True)
    status = models.CharField(
        _("สถานะ"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    #: Rows done of rows in all; total 0 means "not known yet".
    done = models.PositiveIntegerField(_("ทำแล้ว"), default=0)
    total = models.PositiveIntegerField(_("ทั้งหมด"), default=0)
    #: What the job is doing now, in a few words ("กำลังอ่านไฟล์").
    stage = models.CharField(_("ขั้นตอน"), max_length=200, blank=True)
    result = models.JSONField(_("ผลลัพธ์"), default=dict, blank=True)
    #: Why the job failed, in Thai, for the user. Tracebacks go to the log only.
    error = models.TextField(_("สาเหตุที่ไม่สำเร็จ"), blank=True)
    input_file = models.FileField(_("ไฟล์นำเข้า"), upload_to="jobs/in/%Y/%m/", blank=True)
    input_name = models.CharField(_("ชื่อไฟล์นำเข้า"), max_length=255, blank=True)
    output_file = models.FileField(_("ไฟล์ผลลัพธ์"), upload_to="jobs/out/%Y/%m/", blank=True)
    output_name = models.CharField(_("ชื่อไฟล์ผลลัพธ์"), max_length=255, blank=True)
    task_result_id = models.CharField(_("รหัสงานในคิว"), max_length=64, blank=True)
    #: Which process ran the job ("host:pid"), for the log.
    runner = models.CharField(_("เครื่องที่ทำงาน"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("สั่งเมื่อ"), auto_now_add=True)
    started_at = models.DateTimeField(_("เริ่มเมื่อ"), null=True, blank=True)
    finished_at = models.DateTimeField(_("เสร็จเมื่อ"), null=True, blank=True)
    #: Refreshed while the job runs; a running job whose heartbeat is old lost its worker.
    heartbeat_at = models.DateTimeField(_("สัญญาณล่าสุด"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("งานเบื้องหลัง")
        verbose_name_plural = _("งานเบื้องหลัง")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="job_user_recent"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int | None:
        """Whole percent done, or None while the total is not known."""
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return None
        return max(0, min(100, self.done * 100 // self.total))

    @property
    def badge(self) -> str:
        """The badge class of portal.css that fits the status."""
        return {
            JobStatus.QUEUED: "not_started",
            JobStatus.RUNNING: "submitted",
            JobStatus.SUCCEEDED: "approved",
            JobStatus.FAILED: "late",
        }.get(self.status, "")

    @property
    def has_output(self) -> bool:
        return self.status == JobStatus.SUCCEEDED and bool(self.output_file)
