"""Models of the dashboards: the log of the reminders e-mailed to officers."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from districts.models import District, User
from districts.scoping import ScopedQuerySet
from products.models import Round


class ReminderKind(models.TextChoices):
    SURVEY = "survey", _("แบบสำรวจความพร้อม")
    REPORT = "report", _("แบบรายงานผล")


class ReminderLog(models.Model):
    """One reminder e-mailed to one officer about one form on one day.

    The unique constraint makes `send_reminders` idempotent per day: a second run on the
    same day finds the row and sends nothing again.
    """

    round = models.ForeignKey(
        Round,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("รอบการประเมิน"),
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("อำเภอ")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("ผู้รับ")
    )
    kind = models.CharField(_("แบบ"), max_length=10, choices=ReminderKind.choices)
    sent_on = models.DateField(_("วันที่เตือน"))
    days_to_deadline = models.IntegerField(_("จำนวนวันถึงกำหนด"), help_text=_("ติดลบเมื่อพ้นกำหนดแล้ว"))
    email = models.EmailField(_("อีเมล"))
    sent_at = models.DateTimeField(_("ส่งเมื่อ"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when the model lived in districts.
        db_table = "districts_reminderlog"
        ordering = ["-sent_on", "district", "kind"]
        verbose_name = _("การแจ้งเตือน")
        verbose_name_plural = _("การแจ้งเตือน")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "user", "kind", "sent_on"], name="reminder_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.district_id} → {self.email} ({self.sent_on})"
