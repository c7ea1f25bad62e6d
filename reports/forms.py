"""Forms of the reports app. Labels are Thai msgids; every input has one."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from otop_portal.cells import CellError, parse_amount
from otop_portal.forms import UploadForm
from products.models import Round
from products.vocab import ProductType
from reports.models import MONTH_FIELDS, clean_shop_url

SHOW_CHOICES = [
    ("", _("ทุกรายการ")),
    ("unanswered", _("ยังไม่ได้บันทึก")),
    ("with_sales", _("มียอดขาย")),
    ("no_sales", _("ไม่มียอดขาย")),
    ("blocking", _("ที่ทำให้ยังส่งไม่ได้ (มียอดขายแต่ไม่ระบุช่องทาง)")),
]


class LineFilterForm(forms.Form):
    q = forms.CharField(
        label=_("ค้นหาชื่อหรือรหัส"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    show = forms.ChoiceField(label=_("แสดง"), required=False, choices=SHOW_CHOICES)
    type = forms.TypedChoiceField(
        label=_("ประเภทผลิตภัณฑ์"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("ทุกประเภท")), *ProductType.choices],
    )
    subdistrict = forms.ChoiceField(label=_("ตำบล"), required=False)

    def __init__(self, *args, subdistricts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subdistrict"].choices = [("", _("ทุกตำบล")), *subdistricts]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"].strip(),
            "show": data["show"],
            "type": data["type"],
            "subdistrict": data["subdistrict"],
        }


class AmountField(forms.CharField):
    """Baht as officers type it: 12500, "12,500", "๑๒,๕๐๐"; "-" or blank is empty."""

    def __init__(self, *args, blank_is_zero: bool = True, **kwargs):
        self.blank_is_zero = blank_is_zero
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            return value
        if self.blank_is_zero and not value:
            return ""  # a month without sales shows empty, which reads back as 0
        text = f"{value:,.2f}"
        return text[:-3] if text.endswith(".00") else text

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return parse_amount(value, blank_is_zero=self.blank_is_zero)
        except CellError as exc:
            raise forms.ValidationError(exc.message) from None


class ReportLineForm(forms.Form):
    """One product's line. The month fields follow the round (month_1 is its first month)."""

    facebook = forms.BooleanField(label="Facebook", required=False)
    line = forms.BooleanField(label="LINE", required=False)
    shopee = forms.BooleanField(label="Shopee", required=False)
    lazada = forms.BooleanField(label="Lazada", required=False)
    otop_today = forms.BooleanField(label="OTOP Today", required=False)
    other_channel = forms.CharField(label=_("ช่องทางอื่น (ระบุชื่อ)"), required=False, max_length=100)
    url = forms.CharField(
        label=_("ลิงก์ร้านค้า/สินค้า (URL)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(
            attrs={"inputmode": "url", "autocomplete": "off", "placeholder": "https://"}
        ),
    )
    sales_baseline = AmountField(
        label=_("ยอดจำหน่ายออนไลน์ช่วงเดียวกันของปีก่อน (บาท)"),
        required=False,
        blank_is_zero=False,
        help_text=_("เว้นว่างเมื่อไม่ทราบ ระบบนับเป็นศูนย์"),
    )
    note = forms.CharField(label=_("หมายเหตุ"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    CHANNELS = ("facebook", "line", "shopee", "lazada", "otop_today")

    def __init__(self, *args, round: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.months = []
        for name, label in zip(MONTH_FIELDS, round.month_labels, strict=False):
            self.fields[name] = AmountField(label=label, required=False)
            self.months.append(name)
        # Keep the fields in the order of the form on paper.
        order = [
            *self.CHANNELS,
            "other_channel",
            "url",
            *self.months,
            "sales_baseline",
            "note",
            "version",
        ]
        self.order_fields(order)

    def clean_url(self):
        try:
            return clean_shop_url(self.cleaned_data["url"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0]) from None

    def channel_fields(self):
        return [self[name] for name in self.CHANNELS]

    def month_fields(self):
        return [self[name] for name in self.months]

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


def upload_form(*args, **kwargs) -> UploadForm:
    """The shared upload form, labelled for this app's workbook."""
    return UploadForm(*args, label=_("ไฟล์แบบรายงานผล (.xlsx, .xls หรือ .ods)"), **kwargs)
