from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from districts.models import District
from districts.scoping import DistrictForm, ScopedQuerySet
from otop_portal.history import HistoricalRecords
from otop_portal.workflow import Submission, Upload
from products.models import Product, Round

#: A line that says nowhere where it sold: no channel ticked, no other channel named, no
#: shop link. Written once, for the submit rule (a filter) and the plausibility checks
#: (has_no_channel, on lines not saved yet).
NO_CHANNEL = {
    "facebook": False,
    "line": False,
    "shopee": False,
    "lazada": False,
    "otop_today": False,
    "other_channel": "",
    "url": "",
}


def has_no_channel(values) -> bool:
    """NO_CHANNEL for a line or a dict of a line's values."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    return all((get(name) or type(empty)()) == empty for name, empty in NO_CHANNEL.items())


#: The history's reason for a note saved on a flagged line at submission (issue #18).
CHANGE_REASON_FLAG_NOTE = "flag note"

MSG_MISSING_CHANNEL = _("ผลิตภัณฑ์ที่มียอดขายต้องระบุช่องทางจำหน่ายหรือลิงก์ร้านค้า: %(names)s")
#: Why a line blocks submitting, as the upload preview and the report page say it.
MSG_NO_CHANNEL_REASON = _("มียอดขายแต่ไม่ได้ระบุช่องทางจำหน่ายหรือลิงก์ร้านค้า")
#: How many lines the submit refusal names.
MISSING_NAMED = 10
MSG_URL_SCHEME = _("ลิงก์ต้องขึ้นต้นด้วย http:// หรือ https:// (พบ “%(value)s”)")
MSG_URL_INVALID = _("“%(value)s” ไม่ใช่ลิงก์ที่ถูกต้อง")

URL_SCHEMES = ("http", "https")
_url_validator = URLValidator(schemes=list(URL_SCHEMES))


class ReportQuerySet(ScopedQuerySet):
    district_path = "district"


class Report(DistrictForm, Submission):
    """Attachment 3 of a district for a round: online sales per base product."""

    deadline_field = "report_deadline"
    totals_kind = "report"

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="reports")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="reports")

    history = HistoricalRecords()
    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("แบบรายงานผล")
        verbose_name_plural = _("แบบรายงานผล")
        constraints = [
            models.UniqueConstraint(fields=["round", "district"], name="report_unique_district")
        ]

    def __str__(self) -> str:
        return _("แบบรายงานผล %(district)s %(round)s") % {
            "district": self.district,
            "round": self.round.code,
        }

    def missing_for_submit(self) -> list[str]:
        """A report can be submitted when every line with sales says where it sold: a
        channel ticked, another channel named, or a shop URL (the lines that do not are
        ReportLine.objects.blocking_submit(), which the upload preview lists). Each line
        is named by its code and name, since products of several entrepreneurs share
        names. One query."""
        unexplained = list(
            self.lines.blocking_submit()
            .order_by("product__entrepreneur__code", "product__name")
            .values_list("product__code", "product__entrepreneur__code", "product__name")[
                : MISSING_NAMED + 1
            ]
        )
        if not unexplained:
            return []
        labels = [line_label(*values) for values in unexplained]
        names = ", ".join(labels[:MISSING_NAMED]) + (" …" if len(labels) > MISSING_NAMED else "")
        return [MSG_MISSING_CHANNEL % {"names": names}]


def line_label(product_code: str, entrepreneur_code: str, name: str) -> str:
    """A line as the submit rule and the preview name it: its product's code (or, for a
    product the registry gave none, its entrepreneur's) and its name."""
    return f"{product_code or entrepreneur_code} {name}"


class ReportLineQuerySet(ScopedQuerySet):
    district_path = "report__district"

    def blocking_submit(self):
        """The lines the submit rule refuses (Report.missing_for_submit): sales in the
        round and nowhere said where (NO_CHANNEL)."""
        return self.alias(submit_total=line_total_expression()).filter(
            submit_total__gt=0, **NO_CHANNEL
        )


MONTH_FIELDS = ["month_1", "month_2", "month_3", "month_4", "month_5", "month_6"]


def line_total_expression():
    """The round total of a report line (column S) in SQL: the sum of its month columns."""
    total = F(MONTH_FIELDS[0])
    for name in MONTH_FIELDS[1:]:
        total = total + F(name)
    return total


def _money(label):
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=0)


class BaselineSource(models.TextChoices):
    """Where a line's baseline (column T) came from, so that the page can say it."""

    PREVIOUS_REPORT = "previous_report", _("จากแบบรายงานผลช่วงเดียวกันของปีก่อน")
    SURVEY_ZERO = "survey_zero", _("จากแบบสำรวจ: ผู้ประกอบการไม่มียอดขายออนไลน์ในปีงบประมาณก่อน")
    ENTERED = "entered", _("กรอกในระบบ")
    IMPORTED = "imported", _("นำเข้าจากไฟล์")


class ReportLine(models.Model):
    """One product's online channels and sales in the round (a row of attachment 3).

    The round total (column S) is not stored: it is the sum of the month columns, so it
    can never disagree with them. Selectors sum the months in SQL.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    facebook = models.BooleanField("Facebook", default=False)
    line = models.BooleanField("LINE", default=False)
    shopee = models.BooleanField("Shopee", default=False)
    lazada = models.BooleanField("Lazada", default=False)
    otop_today = models.BooleanField("OTOP Today", default=False)
    other_channel = models.CharField(_("อื่น ๆ (ระบุ)"), max_length=100, blank=True)
    url = models.URLField(_("ลิงก์ร้านค้า/สินค้า (URL)"), max_length=500, blank=True)
    month_1 = _money(_("เดือนที่ 1"))
    month_2 = _money(_("เดือนที่ 2"))
    month_3 = _money(_("เดือนที่ 3"))
    month_4 = _money(_("เดือนที่ 4"))
    month_5 = _money(_("เดือนที่ 5"))
    month_6 = _money(_("เดือนที่ 6"))
    sales_baseline = models.DecimalField(
        _("ยอดจำหน่ายออนไลน์ ช่วงเดียวกันของปีก่อน (บาท)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    baseline_source = models.CharField(
        _("ที่มาของยอดปีก่อน"),
        max_length=20,
        choices=BaselineSource.choices,
        blank=True,
    )
    note = models.CharField(_("หมายเหตุ"), max_length=500, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()
    objects = ReportLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("รายการในแบบรายงานผล")
        verbose_name_plural = _("รายการในแบบรายงานผล")
        constraints = [
            models.UniqueConstraint(fields=["report", "product"], name="report_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.report})"

    @property
    def sales_total(self):
        return sum(getattr(self, f) for f in MONTH_FIELDS)


#: The longest text a line's field holds: longer text is refused, never cut (the form,
#: the file import and the service all check it; PostgreSQL would refuse it mid-write).
LINE_TEXT_LIMITS = {
    name: ReportLine._meta.get_field(name).max_length for name in ("other_channel", "url", "note")
}


def clean_shop_url(value: str) -> str:
    """A shop or product link: empty, or an http/https URL. Raises ValidationError."""
    value = (value or "").strip()
    if not value:
        return ""
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme not in URL_SCHEMES:
        raise ValidationError(MSG_URL_SCHEME % {"value": value[:80]}, code="scheme")
    try:
        _url_validator(value)
    except ValidationError:
        raise ValidationError(MSG_URL_INVALID % {"value": value[:80]}, code="invalid") from None
    return value


class ReportUploadQuerySet(ScopedQuerySet):
    district_path = "report__district"


class ReportUpload(Upload):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="uploads")
    file = models.FileField(upload_to="uploads/reports/%Y/%m/")

    objects = ReportUploadQuerySet.as_manager()

    class Meta(Upload.Meta):
        verbose_name = _("ไฟล์แบบรายงานผลที่อัปโหลด")
        verbose_name_plural = _("ไฟล์แบบรายงานผลที่อัปโหลด")
        # The upload page lists a form's newest uploads: read in this order from the
        # index, not sorted from all of them (issue #19: 593 uploads of one district's
        # survey on the bench cost the list 1.35 ms of PostgreSQL's time).
        indexes = [models.Index(fields=["report", "-uploaded_at"], name="report_upload_newest")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_outcome_display()})"


class PlausibilityThresholds(models.Model):
    """How far a figure of attachment 3 may stray before the portal asks about it, per
    round. Ratios against medians, so a skewed district does not raise a flood of flags.
    A round without a row uses the defaults (reports.plausibility.thresholds_for); the
    admin saves a row to change them."""

    round = models.OneToOneField(
        Round, on_delete=models.CASCADE, related_name="plausibility_thresholds"
    )
    spike_ratio = models.DecimalField(
        _("เดือนที่สูงผิดปกติ: กี่เท่าของค่ากลางเดือนอื่น"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("100"),
    )
    spike_min_amount = models.DecimalField(
        _("เดือนที่สูงผิดปกติ: ยอดขั้นต่ำ (บาท)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("50000"),
    )
    baseline_ratio = models.DecimalField(
        _("ยอดรอบนี้สูงผิดปกติ: กี่เท่าของยอดปีก่อน"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("20"),
    )
    baseline_min_total = models.DecimalField(
        _("ยอดรอบนี้สูงผิดปกติ: ยอดรอบขั้นต่ำ (บาท)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("100000"),
    )
    copy_min_months = models.PositiveSmallIntegerField(
        _("ยอดรายเดือนซ้ำกัน: จำนวนเดือนที่มียอดอย่างน้อย"), default=3
    )
    copy_min_entrepreneurs = models.PositiveSmallIntegerField(
        _("ยอดรายเดือนซ้ำกัน: จำนวนผู้ประกอบการอย่างน้อย"), default=2
    )

    class Meta:
        verbose_name = _("เกณฑ์ตรวจความสมเหตุสมผลของยอดจำหน่าย")
        verbose_name_plural = _("เกณฑ์ตรวจความสมเหตุสมผลของยอดจำหน่าย")

    def __str__(self) -> str:
        return str(self.round)


class DistrictTotals(models.Model):
    """The KPI figures of one district in one round, kept current by every write that
    changes them (reports.services.district_totals_refresh, called through
    otop_portal.totals inside the write's transaction). The province and country pages
    read these rows instead of summing the registry and every report line (issue #19).

    It lives in reports because reports is the lowest floor that sees everything it sums:
    the registry and targets (products), the survey's status (surveys), the report lines
    and the plausibility flags (reports). It is derived data: `manage.py rebuild_totals`
    recomputes it from the same selectors."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="district_totals")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="totals")
    entrepreneurs = models.PositiveIntegerField(default=0)
    products = models.PositiveIntegerField(default=0)
    target_computed = models.PositiveIntegerField(default=0)
    target_official = models.PositiveIntegerField(null=True, blank=True)
    target = models.PositiveIntegerField(default=0)
    sold_online = models.PositiveIntegerField(default=0)
    sales_round = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    sales_baseline = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    flagged_lines = models.PositiveIntegerField(default=0)
    #: The plausibility flags of the district's lines (Flag.stored() of each), which the
    #: report page reads instead of checking 1,277 lines on each request.
    flags = models.JSONField(default=list, blank=True)
    survey_status = models.CharField(max_length=20, blank=True)
    report_status = models.CharField(max_length=20, blank=True)
    survey_late = models.BooleanField(default=False)
    report_late = models.BooleanField(default=False)
    survey_updated_at = models.DateTimeField(null=True, blank=True)
    report_updated_at = models.DateTimeField(null=True, blank=True)
    # How far each form is filled (issue #19): the report page's progress and the
    # province page's readiness read these instead of counting every line and answer.
    # None: a row stored before they were kept; its readers count live, and
    # `manage.py rebuild_totals` fills them.
    #: The report's lines about base products, and how many of them were saved.
    report_lines = models.PositiveIntegerField(null=True, blank=True)
    report_answered = models.PositiveIntegerField(null=True, blank=True)
    #: The survey's answers about base entrepreneurs and products (surveys.selectors.
    #: survey_answer_counts): answered, and how many said yes to each question.
    survey_answered = models.PositiveIntegerField(null=True, blank=True)
    survey_trained = models.PositiveIntegerField(null=True, blank=True)
    survey_selling = models.PositiveIntegerField(null=True, blank=True)
    survey_standard = models.PositiveIntegerField(null=True, blank=True)
    survey_sales_prev = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    survey_products_answered = models.PositiveIntegerField(null=True, blank=True)
    survey_products_ready = models.PositiveIntegerField(null=True, blank=True)
    #: New on every recomputation of the row: what the report page's cached order of
    #: lines is keyed on (reports.selectors.report_line_ids). Every write that adds a
    #: line, renames or moves a product, or changes the base recomputes the row.
    stamp = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("ยอดรวมของอำเภอ")
        verbose_name_plural = _("ยอดรวมของอำเภอ")
        constraints = [
            models.UniqueConstraint(fields=["round", "district"], name="district_totals_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.district_id}"
