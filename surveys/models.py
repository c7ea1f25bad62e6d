from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from districts.models import District
from districts.scoping import DistrictForm, ScopedQuerySet
from otop_portal.history import HistoricalRecords
from otop_portal.workflow import Submission, Upload
from products.models import Entrepreneur, Product, Round

MSG_UNANSWERED = ngettext_lazy(
    "ยังส่งไม่ได้: ยังไม่มีคำตอบของผลิตภัณฑ์ %(count)s รายการ ต้องตอบให้ครบทุกผลิตภัณฑ์ในฐานก่อนส่ง",
    "ยังส่งไม่ได้: ยังไม่มีคำตอบของผลิตภัณฑ์ %(count)s รายการ ต้องตอบให้ครบทุกผลิตภัณฑ์ในฐานก่อนส่ง",
    "count",
)


class SurveyQuerySet(ScopedQuerySet):
    district_path = "district"


class Survey(DistrictForm, Submission):
    """Attachment 2 of a district for a round: one answer per base entrepreneur and product."""

    deadline_field = "survey_deadline"
    totals_kind = "survey"

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="surveys")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="surveys")

    history = HistoricalRecords()
    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("แบบสำรวจความพร้อม")
        verbose_name_plural = _("แบบสำรวจความพร้อม")
        constraints = [
            models.UniqueConstraint(fields=["round", "district"], name="survey_unique_district")
        ]

    def __str__(self) -> str:
        return _("แบบสำรวจ %(district)s %(round)s") % {
            "district": self.district,
            "round": self.round.code,
        }

    def unanswered_products(self):
        """The products of the district's base for the round that have no answer yet:
        the submit rule's (missing_for_submit), which the upload preview lists."""
        return Product.objects.base(self.round, district=self.district_id).exclude(
            id__in=ProductAnswer.objects.filter(survey=self, answered_at__isnull=False).values(
                "product_id"
            )
        )

    def missing_for_submit(self) -> list[str]:
        """Every product of the district's base for the round must have an answer."""
        unanswered = self.unanswered_products().count()
        if unanswered:
            return [MSG_UNANSWERED % {"count": unanswered}]
        return []


class EntrepreneurAnswerQuerySet(ScopedQuerySet):
    district_path = "survey__district"


class EntrepreneurAnswer(models.Model):
    """Readiness of one entrepreneur (columns L-N and P of attachment 2)."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="entrepreneur_answers"
    )
    entrepreneur = models.ForeignKey(Entrepreneur, on_delete=models.PROTECT, related_name="+")
    trained = models.BooleanField(_("ผ่านการอบรมเกี่ยวกับตลาดออนไลน์"), default=False)
    selling_online = models.BooleanField(_("ขายของออนไลน์อยู่แล้ว"), default=False)
    has_standard = models.BooleanField(_("ได้รับมาตรฐานที่เกี่ยวเนื่อง"), default=False)
    sales_prev_year = models.DecimalField(
        _("ยอดจำหน่ายออนไลน์ปีงบประมาณก่อน (บาท)"), max_digits=14, decimal_places=2, default=0
    )
    answered_at = models.DateTimeField(_("ตอบเมื่อ"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Optimistic locking: a save that was started from an older version is refused.
    version = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()
    objects = EntrepreneurAnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("คำตอบรายผู้ประกอบการ")
        verbose_name_plural = _("คำตอบรายผู้ประกอบการ")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "entrepreneur"], name="entrepreneur_answer_unique"
            )
        ]

    def __str__(self) -> str:
        return _("คำตอบของผู้ประกอบการ %(entrepreneur)s (แบบสำรวจ %(survey)s)") % {
            "entrepreneur": self.entrepreneur_id,
            "survey": self.survey_id,
        }


class ProductAnswerQuerySet(ScopedQuerySet):
    district_path = "survey__district"


class ProductAnswer(models.Model):
    """Readiness of one product (column O of attachment 2)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="product_answers")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    ready = models.BooleanField(_("ความพร้อมผลิตภัณฑ์เพื่อเข้าสู่ออนไลน์"), default=False)
    answered_at = models.DateTimeField(_("ตอบเมื่อ"), null=True, blank=True)

    history = HistoricalRecords()
    objects = ProductAnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("คำตอบรายผลิตภัณฑ์")
        verbose_name_plural = _("คำตอบรายผลิตภัณฑ์")
        constraints = [
            models.UniqueConstraint(fields=["survey", "product"], name="product_answer_unique")
        ]

    def __str__(self) -> str:
        return _("คำตอบของผลิตภัณฑ์ %(product)s (แบบสำรวจ %(survey)s)") % {
            "product": self.product_id,
            "survey": self.survey_id,
        }


class SurveyUploadQuerySet(ScopedQuerySet):
    district_path = "survey__district"


class SurveyUpload(Upload):
    """A workbook a district sent, kept with who sent it and what became of it."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="uploads")
    file = models.FileField(upload_to="uploads/surveys/%Y/%m/")

    objects = SurveyUploadQuerySet.as_manager()

    class Meta(Upload.Meta):
        verbose_name = _("ไฟล์แบบสำรวจที่อัปโหลด")
        verbose_name_plural = _("ไฟล์แบบสำรวจที่อัปโหลด")
        # The upload page lists a form's newest uploads: read in this order from the
        # index, not sorted from all of them (issue #19: 593 uploads of one district's
        # survey on the bench cost the list 1.35 ms of PostgreSQL's time).
        indexes = [models.Index(fields=["survey", "-uploaded_at"], name="survey_upload_newest")]

    def __str__(self) -> str:
        return self.original_name
