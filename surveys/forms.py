"""Forms of the surveys app. Labels are Thai msgids; every input has one."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from otop_portal.cells import CellError, parse_amount
from otop_portal.uploads import DISTRICT, check_upload
from products.vocab import EntrepreneurType
from surveys.services import MSG_TOO_LARGE, AnswerData


class SurveyFilterForm(forms.Form):
    q = forms.CharField(
        label=_("ค้นหาชื่อหรือรหัส"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    type = forms.TypedChoiceField(
        label=_("ประเภทผู้ประกอบการ"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("ทุกประเภท")), *EntrepreneurType.choices],
    )
    subdistrict = forms.ChoiceField(label=_("ตำบล"), required=False)
    unanswered = forms.BooleanField(label=_("เฉพาะที่ยังไม่ตอบ"), required=False)

    def __init__(self, *args, subdistricts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subdistrict"].choices = [("", _("ทุกตำบล")), *subdistricts]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"].strip(),
            "type": data["type"],
            "subdistrict": data["subdistrict"],
            "unanswered": data["unanswered"],
        }


class AmountField(forms.CharField):
    """Baht as officers type it: 12500, "12,500", "๑๒,๕๐๐"; blank is zero."""

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return parse_amount(value)
        except CellError as exc:
            raise forms.ValidationError(exc.message) from None


class EntrepreneurAnswerForm(forms.Form):
    trained = forms.BooleanField(label=_("ผ่านการอบรมเกี่ยวกับตลาดออนไลน์"), required=False)
    selling_online = forms.BooleanField(label=_("ขายของออนไลน์อยู่แล้ว"), required=False)
    has_standard = forms.BooleanField(label=_("ได้รับมาตรฐานที่เกี่ยวเนื่อง"), required=False)
    sales_prev_year = AmountField(
        label=_("ยอดจำหน่ายออนไลน์ปีงบประมาณก่อน (บาท)"),
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "aria-describedby": "sales-help"}
        ),
        help_text=_("พิมพ์ได้ทั้ง 12,500 และเลขไทย ๑๒,๕๐๐ เว้นว่างเมื่อไม่มียอดขาย"),
    )
    ready = forms.TypedMultipleChoiceField(
        label=_("ผลิตภัณฑ์ที่พร้อมเข้าสู่ตลาดออนไลน์"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ready"].choices = [(p.id, f"{p.name} ({p.type_label})") for p in products]

    def answer_data(self) -> AnswerData:
        data = self.cleaned_data
        return AnswerData(
            trained=data["trained"],
            selling_online=data["selling_online"],
            has_standard=data["has_standard"],
            sales_prev_year=data["sales_prev_year"],
            ready=set(data["ready"]),
        )


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("return", _("ส่งคืนให้แก้ไข")), ("approve", _("อนุมัติ"))])
    reason = forms.CharField(
        label=_("เหตุผลที่ส่งคืน (ต้องระบุเมื่อส่งคืน)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ExceptionForm(forms.Form):
    until = forms.DateField(
        label=_("ขยายเวลาให้ถึงวันที่"), widget=forms.DateInput(attrs={"type": "date"})
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("ไฟล์แบบสำรวจ (.xlsx, .xls หรือ .ods)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods"}),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        limit = settings.DISTRICT_UPLOAD_MAX_BYTES
        if file.size > limit:
            raise forms.ValidationError(MSG_TOO_LARGE % {"limit": round(limit / (1024 * 1024), 1)})
        check_upload(file, kind=DISTRICT)
        return file
