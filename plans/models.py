"""The district's own working record of the products it helps to sell online.

A follow-up is the step a district has reached with one product in one round: contacted,
helped to list, listed. It is a working note for the district and the province, never a
KPI figure: "sold online" still comes only from the result report (attachment 3), so
nothing here is read by reports.selectors.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from districts.models import District
from districts.scoping import ScopedQuerySet
from otop_portal.history import HistoricalRecords
from products.models import Product, Round


class Step(models.TextChoices):
    """The steps of helping a product online, in the order they usually happen."""

    CONTACTED = "contacted", _("ติดต่อแล้ว")
    HELPED = "helped", _("ช่วยลงขายแล้ว")
    LISTED = "listed", _("วางขายออนไลน์แล้ว")


class FollowUpQuerySet(ScopedQuerySet):
    district_path = "district"


class FollowUp(models.Model):
    """The current step of one product in one round; earlier steps live in its history."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    # Denormalised from the product: every scoping and counting query filters on it.
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    step = models.CharField(_("ขั้นตอน"), max_length=10, choices=Step.choices)
    on = models.DateField(_("วันที่"))
    note = models.TextField(pgettext_lazy("follow-up note", "บันทึก"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("แก้ไขล่าสุด"), auto_now=True)

    history = HistoricalRecords()
    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("การติดตามผลิตภัณฑ์")
        verbose_name_plural = _("การติดตามผลิตภัณฑ์")
        constraints = [
            models.UniqueConstraint(fields=["round", "product"], name="followup_unique_product")
        ]
        indexes = [models.Index(fields=["round", "district"])]

    def __str__(self) -> str:
        return f"{self.product} {self.round.code}: {self.get_step_display()}"
