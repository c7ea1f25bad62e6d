import datetime as dt
import math
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from districts.models import District, Subdistrict
from districts.scoping import ScopedQuerySet
from otop_portal.dates import month_name, period_text
from otop_portal.history import HistoricalRecords
from products.vocab import EntrepreneurType, ProductType


class RegistrySnapshot(models.Model):
    """One import of the department's OTOP registry, as of a date."""

    as_of = models.DateField(_("ข้อมูล ณ วันที่"))
    imported_at = models.DateTimeField(_("นำเข้าเมื่อ"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("นำเข้าโดย"),
    )
    source_name = models.CharField(_("ชื่อไฟล์"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(_("จำนวนแถว"), default=0)
    summary = models.JSONField(_("สรุปรายอำเภอ"), default=dict, blank=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = _("ชุดข้อมูลทะเบียน")
        verbose_name_plural = _("ชุดข้อมูลทะเบียน")

    def __str__(self) -> str:
        # The number tells apart two snapshots imported for the same date (in the admin's
        # lists and in a round's "registry snapshot used").
        date = f"{self.as_of.day} {month_name(self.as_of.month)} {self.as_of.year + 543}"
        return _("ทะเบียน ณ %(date)s ชุดที่ %(number)s") % {"date": date, "number": self.pk}


def last_snapshot_field() -> models.ForeignKey:
    """The snapshot that last changed a registry row. Not indexed: no page looks rows up
    by it, and every index is written on every row of a country's import (issue 6)."""
    return models.ForeignKey(
        RegistrySnapshot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )


class EntrepreneurQuerySet(ScopedQuerySet):
    district_path = "district"


class Entrepreneur(models.Model):
    code = models.CharField(_("รหัสผู้ประกอบการ OTOP"), max_length=40)
    name = models.CharField(_("ชื่อผู้ผลิตผู้ประกอบการ OTOP"), max_length=255)
    type = models.PositiveSmallIntegerField(_("ประเภทผู้ประกอบการ"), choices=EntrepreneurType.choices)
    house_no = models.CharField(_("เลขที่"), max_length=30, blank=True)
    moo = models.CharField(_("หมู่ที่"), max_length=10, blank=True)
    # No index of its own for a foreign key that an index of Meta.indexes or
    # Meta.constraints begins with, nor for one no page filters on alone: each index is
    # written on every row of a country's import (issue 6).
    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        related_name="entrepreneurs",
        verbose_name=_("ตำบล"),
        db_index=False,
    )
    # Denormalised from subdistrict: every scoping and KPI query filters on it.
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="entrepreneurs",
        verbose_name=_("อำเภอ"),
        db_index=False,
    )
    # Wide enough for the several numbers a group's cell often lists (the registry's
    # cells are kept whole, never cut).
    phone = models.CharField(_("เบอร์โทรศัพท์"), max_length=100, blank=True)
    registered = models.BooleanField(_("อยู่ในทะเบียนล่าสุด"), default=True)
    last_snapshot = last_snapshot_field()

    objects = EntrepreneurQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("ผู้ประกอบการ")
        verbose_name_plural = _("ผู้ประกอบการ")
        indexes = [models.Index(fields=["district", "code"])]
        # A constraint rather than unique=True, which would add a second index on the
        # code (varchar_pattern_ops, for LIKE 'x%', which no query makes).
        constraints = [models.UniqueConstraint(fields=["code"], name="entrepreneur_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProductStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("product status", "ปกติ")
    CANCELLED = "cancelled", pgettext_lazy("product status", "ยกเลิก")


def base_q(round, prefix: str = "", district=None) -> models.Q:
    """The KPI base of a round as a condition on products (at `prefix`, e.g. "product__").

    A round pinned to a snapshot counts the products that snapshot held, active and
    registered inside the round's window, with the status, year and district they had
    then (SnapshotProduct): a newer snapshot never moves a round's figures, not even a
    product that has moved district since. A round with no snapshot (none had been
    imported when it was set up) counts the registry as it is.

    `district` keeps the base of some districts only, as the round places its products:
    a code, codes (a list or a query of codes), or an F() naming the district of the
    rows filtered (F("survey__district_id") keeps, of a form's answers, those about a
    product the round counts in that form's district). An OuterRef() names the district
    of an enclosing query's rows.
    """
    if isinstance(district, District):
        district = district.pk
    if round.snapshot_id is None:
        q = models.Q(
            **{
                f"{prefix}registered": True,
                f"{prefix}status": ProductStatus.ACTIVE,
                f"{prefix}registered_year__gte": round.window_start,
                f"{prefix}registered_year__lte": round.window_end,
            }
        )
        if district is not None:
            q &= models.Q(**{f"{prefix}district_id{_in_lookup(district)}": district})
        return q
    held = SnapshotProduct.objects.filter(
        snapshot_id=round.snapshot_id,
        status=ProductStatus.ACTIVE,
        registered_year__gte=round.window_start,
        registered_year__lte=round.window_end,
    )
    if isinstance(district, models.F):
        # The district is the filtered row's: a correlated EXISTS on the snapshot's
        # primary key (snapshot, product), which PostgreSQL runs as a semi-join.
        outer = (
            models.OuterRef(district)
            if isinstance(district, models.OuterRef)
            else models.OuterRef(district.name)
        )
        return models.Q(
            models.Exists(held.filter(product_id=models.OuterRef(f"{prefix}id"), district_id=outer))
        )
    if district is not None:
        held = held.filter(**{f"district_id{_in_lookup(district)}": district})
    return models.Q(**{f"{prefix}id__in": held.values("product_id")})


def entrepreneur_in_base(round, *, entrepreneur: str, district: str) -> models.Exists:
    """Whether the entrepreneur of the filtered rows (the OuterRef name `entrepreneur`)
    has a product in the round's base in the district of those rows (`district`), as an
    EXISTS of one level. Product.objects.base(...).filter(entrepreneur_id=...) nests the
    snapshot's EXISTS inside it, and PostgreSQL then hashed all 200,000 products for a
    province's readiness (81 ms against 29: issue #19)."""
    if round.snapshot_id is None:
        return models.Exists(
            Product.objects.filter(
                base_q(round, district=models.OuterRef(district)),
                entrepreneur_id=models.OuterRef(entrepreneur),
            )
        )
    return models.Exists(
        SnapshotProduct.objects.filter(
            snapshot_id=round.snapshot_id,
            status=ProductStatus.ACTIVE,
            registered_year__gte=round.window_start,
            registered_year__lte=round.window_end,
            district_id=models.OuterRef(district),
            product__entrepreneur_id=models.OuterRef(entrepreneur),
        )
    )


def _in_lookup(district) -> str:
    """ "" for one district code, "__in" for several."""
    return "" if isinstance(district, (str, models.F)) else "__in"


class ProductQuerySet(ScopedQuerySet):
    district_path = "district"

    def base(self, round, district=None):
        """The KPI base of a round (base_q), of some districts only if `district` is
        given. Entrepreneurs of the base are those with one such product."""
        return self.filter(base_q(round, district=district))


class Product(models.Model):
    # Indexed by product_unique_name (entrepreneur, name) and the index on (district,
    # ...) below; see Entrepreneur.subdistrict.
    entrepreneur = models.ForeignKey(
        Entrepreneur,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("ผู้ประกอบการ"),
        db_index=False,
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("อำเภอ"),
        db_index=False,
    )
    code = models.CharField(_("รหัสผลิตภัณฑ์"), max_length=40, blank=True)
    name = models.CharField(_("ชื่อผลิตภัณฑ์"), max_length=255)
    type = models.PositiveSmallIntegerField(_("ประเภทผลิตภัณฑ์"), choices=ProductType.choices)
    registered_year = models.PositiveSmallIntegerField(
        _("ปีที่ลงทะเบียน (พ.ศ.)"), validators=[MinValueValidator(2400), MaxValueValidator(2700)]
    )
    status = models.CharField(
        _("สถานะ"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.ACTIVE
    )
    registered = models.BooleanField(_("อยู่ในทะเบียนล่าสุด"), default=True)
    last_snapshot = last_snapshot_field()

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["entrepreneur__code", "code", "name"]
        verbose_name = _("ผลิตภัณฑ์")
        verbose_name_plural = _("ผลิตภัณฑ์")
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


class SnapshotProduct(models.Model):
    """A product as a registry snapshot held it: every registered product of the
    country after the snapshot's import (the provinces the file did not list included),
    with its status, registration year, type and district then. Written once, by the
    import, and never changed: importing a snapshot leaves what earlier ones held as it
    was, so a round pinned to one keeps its base, targets, lines and KPI.

    The keys have no database constraint: the rows are copied from the products table
    in the import's own transaction, products are never deleted (PROTECT), and a check
    per row would cost a country's import 200,000 lookups.
    """

    pk = models.CompositePrimaryKey("snapshot", "product")
    snapshot = models.ForeignKey(
        RegistrySnapshot,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    product = models.ForeignKey(
        "Product",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    district = models.ForeignKey(
        District,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    type = models.PositiveSmallIntegerField(choices=ProductType.choices)
    registered_year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=ProductStatus.choices)

    class Meta:
        # A district's base (base_q with a district): without it PostgreSQL scanned the
        # whole snapshot, 200,000 rows, on each page of a district (issue #19).
        indexes = [
            # Every column the base reads is a key column: PostgreSQL answers from the
            # index alone, and SQLite, which has no INCLUDE, builds the same index.
            models.Index(
                fields=["snapshot", "district", "status", "registered_year", "product"],
                name="snapshot_product_district",
            )
        ]
        verbose_name = _("ผลิตภัณฑ์ในชุดข้อมูลทะเบียน")
        verbose_name_plural = _("ผลิตภัณฑ์ในชุดข้อมูลทะเบียน")

    def __str__(self) -> str:
        return f"{self.snapshot_id}: {self.product_id}"


class FiscalYear(models.Model):
    """A Thai fiscal year: October to September, named by the Buddhist Era year it ends in."""

    year = models.PositiveSmallIntegerField(_("ปีงบประมาณ (พ.ศ.)"), primary_key=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("ปีงบประมาณ")
        verbose_name_plural = _("ปีงบประมาณ")

    def __str__(self) -> str:
        return _("ปีงบประมาณ พ.ศ. %(year)s") % {"year": self.year}

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
    number = models.PositiveSmallIntegerField(_("รอบการประเมินที่"))
    starts_on = models.DateField(_("เริ่ม"))
    ends_on = models.DateField(_("สิ้นสุด"))
    target_rate = models.DecimalField(
        _("อัตราเป้าหมาย (ร้อยละ)"), max_digits=5, decimal_places=2, default=Decimal("11")
    )
    growth_rate = models.DecimalField(
        _("อัตราการเติบโตของรายได้ (ร้อยละ)"), max_digits=5, decimal_places=2, default=Decimal("10")
    )
    window_start = models.PositiveSmallIntegerField(_("ลงทะเบียนตั้งแต่ปี (พ.ศ.)"), default=2557)
    window_end = models.PositiveSmallIntegerField(_("ลงทะเบียนถึงปี (พ.ศ.)"), default=2563)
    survey_deadline = models.DateField(_("กำหนดส่งแบบสำรวจ"))
    report_deadline = models.DateField(_("กำหนดส่งแบบรายงานผล"))
    lock_after_deadline = models.BooleanField(
        _("ปิดรับเมื่อพ้นกำหนด"),
        default=False,
        help_text=_("ถ้าไม่เลือก ยังรับแบบที่ส่งหลังกำหนดได้ แต่จะทำเครื่องหมายว่าส่งช้า"),
    )
    snapshot = models.ForeignKey(
        RegistrySnapshot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rounds",
        verbose_name=_("ชุดข้อมูลทะเบียนที่ใช้"),
    )

    history = HistoricalRecords()
    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year__year", "-number"]
        verbose_name = _("รอบการประเมิน")
        verbose_name_plural = _("รอบการประเมิน")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "number"], name="round_unique_number")
        ]

    def __str__(self) -> str:
        return _("%(code)s (รอบที่ %(number)s ปีงบประมาณ %(year)s)") % {
            "code": self.code,
            "number": self.number,
            "year": self.fiscal_year_id,
        }

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
        """The short names of the round's months in the UI's language: "ต.ค.", "Oct"."""
        return [month_name(m, short=True) for _year, m in self.months()]

    @property
    def month_labels_th(self) -> list[str]:
        """The months as attachment 3 heads its columns, in Thai whatever the language."""
        return [month_name(m, short=True, thai=True) for _year, m in self.months()]

    @property
    def period_label(self) -> str:
        """The round's period in the UI's language (see period_text)."""
        return period_text(self.starts_on, self.ends_on)

    @property
    def period_label_th(self) -> str:
        """ "เมษายน 2564 - กันยายน 2564" whatever the language, for the department's workbooks."""
        return period_text(self.starts_on, self.ends_on, thai=True)


class TargetQuerySet(ScopedQuerySet):
    district_path = "district"


class Target(models.Model):
    """The official target of a district in a round, imported or set by provincial staff.

    The computed target is not stored: it is always ceil(rate x base products) of the
    round's base (Round.computed_target). When an official target is set, it wins.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="targets")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="targets")
    official = models.PositiveIntegerField(_("เป้าหมายทางการ"))
    reason = models.TextField(_("เหตุผล / ที่มา"), blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    set_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["round", "district"]
        verbose_name = _("เป้าหมาย")
        verbose_name_plural = _("เป้าหมาย")
        constraints = [
            models.UniqueConstraint(fields=["round", "district"], name="target_unique_district")
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.round.code}: {self.official}"
