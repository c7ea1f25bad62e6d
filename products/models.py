import datetime as dt
import math
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from districts.models import District, Subdistrict
from districts.scoping import ScopedQuerySet
from products.vocab import EntrepreneurType, ProductType

THAI_MONTHS = [
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
]
THAI_MONTHS_SHORT = [
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
]


class RegistrySnapshot(models.Model):
    """One import of the department's OTOP registry, as of a date."""

    as_of = models.DateField("ข้อมูล ณ วันที่")
    imported_at = models.DateTimeField("นำเข้าเมื่อ", auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        verbose_name="นำเข้าโดย",
    )
    source_name = models.CharField("ชื่อไฟล์", max_length=255, blank=True)
    row_count = models.PositiveIntegerField("จำนวนแถว", default=0)
    summary = models.JSONField("สรุปรายอำเภอ", default=dict, blank=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = "ชุดข้อมูลทะเบียน"
        verbose_name_plural = "ชุดข้อมูลทะเบียน"

    def __str__(self) -> str:
        return f"ทะเบียน ณ {self.as_of.day} {THAI_MONTHS[self.as_of.month - 1]} {self.as_of.year + 543}"


class EntrepreneurQuerySet(ScopedQuerySet):
    district_path = "district"


class Entrepreneur(models.Model):
    code = models.CharField("รหัสผู้ประกอบการ OTOP", max_length=40, unique=True)
    name = models.CharField("ชื่อผู้ผลิตผู้ประกอบการ OTOP", max_length=255)
    type = models.PositiveSmallIntegerField("ประเภทผู้ประกอบการ", choices=EntrepreneurType.choices)
    house_no = models.CharField("เลขที่", max_length=30, blank=True)
    moo = models.CharField("หมู่ที่", max_length=10, blank=True)
    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.PROTECT, related_name="entrepreneurs", verbose_name="ตำบล"
    )
    # Denormalised from subdistrict: every scoping and KPI query filters on it.
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="entrepreneurs", verbose_name="อำเภอ"
    )
    phone = models.CharField("เบอร์โทรศัพท์", max_length=30, blank=True)
    registered = models.BooleanField("อยู่ในทะเบียนล่าสุด", default=True)
    last_snapshot = models.ForeignKey(
        RegistrySnapshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = EntrepreneurQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "ผู้ประกอบการ"
        verbose_name_plural = "ผู้ประกอบการ"
        indexes = [models.Index(fields=["district", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProductStatus(models.TextChoices):
    ACTIVE = "active", "ปกติ"
    CANCELLED = "cancelled", "ยกเลิก"


class ProductQuerySet(ScopedQuerySet):
    district_path = "district"

    def base(self, round):
        """The KPI base of a round: registered, active products registered inside the
        round's window. Entrepreneurs of the base are those with one such product."""
        return self.filter(
            registered=True,
            status=ProductStatus.ACTIVE,
            registered_year__gte=round.window_start,
            registered_year__lte=round.window_end,
        )


class Product(models.Model):
    entrepreneur = models.ForeignKey(
        Entrepreneur, on_delete=models.PROTECT, related_name="products",
        verbose_name="ผู้ประกอบการ",
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="products", verbose_name="อำเภอ"
    )
    code = models.CharField("รหัสผลิตภัณฑ์", max_length=40, blank=True)
    name = models.CharField("ชื่อผลิตภัณฑ์", max_length=255)
    type = models.PositiveSmallIntegerField("ประเภทผลิตภัณฑ์", choices=ProductType.choices)
    registered_year = models.PositiveSmallIntegerField(
        "ปีที่ลงทะเบียน (พ.ศ.)", validators=[MinValueValidator(2400), MaxValueValidator(2700)]
    )
    status = models.CharField(
        "สถานะ", max_length=10, choices=ProductStatus.choices, default=ProductStatus.ACTIVE
    )
    registered = models.BooleanField("อยู่ในทะเบียนล่าสุด", default=True)
    last_snapshot = models.ForeignKey(
        RegistrySnapshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["entrepreneur__code", "code", "name"]
        verbose_name = "ผลิตภัณฑ์"
        verbose_name_plural = "ผลิตภัณฑ์"
        constraints = [
            models.UniqueConstraint(fields=["entrepreneur", "name"], name="product_unique_name"),
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="product_unique_code"
            ),
        ]
        indexes = [
            models.Index(fields=["district", "registered", "status", "registered_year"]),
        ]

    def __str__(self) -> str:
        return self.name


class FiscalYear(models.Model):
    """A Thai fiscal year: October to September, named by the Buddhist Era year it ends in."""

    year = models.PositiveSmallIntegerField("ปีงบประมาณ (พ.ศ.)", primary_key=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = "ปีงบประมาณ"
        verbose_name_plural = "ปีงบประมาณ"

    def __str__(self) -> str:
        return f"ปีงบประมาณ พ.ศ. {self.year}"

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.year - 543 - 1, 10, 1)

    @property
    def ends_on(self) -> dt.date:
        return dt.date(self.year - 543, 9, 30)


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Rounds are configuration, not district data: every signed-in user sees them.
        if user is None or not user.is_authenticated:
            return self.none()
        return self.all()


class Round(models.Model):
    """An assessment round of a fiscal year, with its KPI rules and deadlines."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField("รอบการประเมินที่")
    starts_on = models.DateField("เริ่ม")
    ends_on = models.DateField("สิ้นสุด")
    target_rate = models.DecimalField(
        "อัตราเป้าหมาย (ร้อยละ)", max_digits=5, decimal_places=2, default=Decimal("11")
    )
    growth_rate = models.DecimalField(
        "อัตราการเติบโตของรายได้ (ร้อยละ)", max_digits=5, decimal_places=2, default=Decimal("10")
    )
    window_start = models.PositiveSmallIntegerField("ลงทะเบียนตั้งแต่ปี (พ.ศ.)", default=2557)
    window_end = models.PositiveSmallIntegerField("ลงทะเบียนถึงปี (พ.ศ.)", default=2563)
    survey_deadline = models.DateField("กำหนดส่งแบบสำรวจ")
    report_deadline = models.DateField("กำหนดส่งแบบรายงานผล")
    lock_after_deadline = models.BooleanField(
        "ปิดรับเมื่อพ้นกำหนด", default=False,
        help_text="ถ้าไม่เลือก ยังรับแบบที่ส่งหลังกำหนดได้ แต่จะทำเครื่องหมายว่าส่งช้า",
    )
    snapshot = models.ForeignKey(
        RegistrySnapshot, on_delete=models.PROTECT, null=True, blank=True,
        related_name="rounds", verbose_name="ชุดข้อมูลทะเบียนที่ใช้",
    )

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year__year", "-number"]
        verbose_name = "รอบการประเมิน"
        verbose_name_plural = "รอบการประเมิน"
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "number"], name="round_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.code} (รอบที่ {self.number} ปีงบประมาณ {self.fiscal_year_id})"

    @property
    def code(self) -> str:
        """The round's code in URLs and commands: "2564-2"."""
        return f"{self.fiscal_year_id}-{self.number}"

    def computed_target(self, base_products: int) -> int:
        """The computed target of a district: ceil(rate x base products).

        This is the one place the rule is written. Decimal arithmetic keeps 11% of 100
        at exactly 11 (in floating point 0.11 * 100 is 11.000000000000002, which would
        round up to 12).
        """
        return math.ceil(self.target_rate * base_products / Decimal(100))

    def months(self) -> list[tuple[int, int]]:
        """The (year, month) pairs of the round's period, in order."""
        out = []
        year, month = self.starts_on.year, self.starts_on.month
        while (year, month) <= (self.ends_on.year, self.ends_on.month):
            out.append((year, month))
            month += 1
            if month == 13:
                year, month = year + 1, 1
        return out

    @property
    def month_labels(self) -> list[str]:
        return [THAI_MONTHS_SHORT[m - 1] for _, m in self.months()]

    @property
    def period_label(self) -> str:
        """"เมษายน 2564 - กันยายน 2564"."""
        s, e = self.starts_on, self.ends_on
        return f"{THAI_MONTHS[s.month - 1]} {s.year + 543} - {THAI_MONTHS[e.month - 1]} {e.year + 543}"


class TargetQuerySet(ScopedQuerySet):
    district_path = "district"


class Target(models.Model):
    """The official target of a district in a round, imported or set by provincial staff.

    The computed target is not stored: it is always ceil(rate x base products) of the
    round's base (Round.computed_target). When an official target is set, it wins.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="targets")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="targets")
    official = models.PositiveIntegerField("เป้าหมายทางการ")
    reason = models.TextField("เหตุผล / ที่มา", blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    set_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["round", "district"]
        verbose_name = "เป้าหมาย"
        verbose_name_plural = "เป้าหมาย"
        constraints = [
            models.UniqueConstraint(fields=["round", "district"], name="target_unique_district")
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.round.code}: {self.official}"
