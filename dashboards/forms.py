"""Forms of the dashboards: the dashboard's sorting and filters, and the review desk."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

SORT_CHOICES = [
    ("code", _("ตามรหัสอำเภอ")),
    ("behind", _("ต่ำกว่าเป้าหมายก่อน")),
    ("late", _("ส่งช้าหรือเลยกำหนดก่อน")),
]
SHOW_CHOICES = [
    ("all", _("ทุกอำเภอ")),
    ("behind", _("เฉพาะที่ยังไม่ถึงเป้าหมาย")),
    ("late", _("เฉพาะที่ส่งช้าหรือเลยกำหนด")),
    ("waiting", _("เฉพาะที่รอจังหวัดตรวจ")),
]

MSG_PICK_ONE = _("เลือกแบบที่จะอนุมัติอย่างน้อยหนึ่งรายการ")
MSG_RETURN_ONE = _("ส่งคืนได้ครั้งละหนึ่งแบบ")
MSG_REASON_REQUIRED = _("ต้องระบุเหตุผลที่ส่งคืน")


class DashboardFilterForm(forms.Form):
    """GET parameters of the province and country pages; bad values fall back to the
    defaults rather than failing the page."""

    sort = forms.ChoiceField(label=_("เรียงลำดับ"), choices=SORT_CHOICES, required=False)
    show = forms.ChoiceField(label=_("แสดง"), choices=SHOW_CHOICES, required=False)

    def values(self) -> tuple[str, str]:
        if not self.is_valid():
            return "code", "all"
        return self.cleaned_data["sort"] or "code", self.cleaned_data["show"] or "all"


class ReviewForm(forms.Form):
    """One POST of the review desk: approve the checked forms, or return one form with
    a reason. `keys` are the forms waiting, as "survey:5601" / "report:5601"."""

    APPROVE = "approve"
    RETURN = "return"

    action = forms.ChoiceField(choices=[(APPROVE, _("อนุมัติ")), (RETURN, _("ส่งคืน"))])
    items = forms.MultipleChoiceField(label=_("แบบที่เลือก"), required=False)
    reason = forms.CharField(
        label=_("เหตุผลที่ส่งคืน"), required=False, max_length=2000, widget=forms.Textarea
    )

    def __init__(self, *args, keys: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(k, k) for k in keys]

    def clean(self):
        data = super().clean()
        items = data.get("items") or []
        if data.get("action") == self.APPROVE and not items:
            self.add_error("items", MSG_PICK_ONE)
        if data.get("action") == self.RETURN:
            if len(items) != 1:
                self.add_error("items", MSG_RETURN_ONE)
            if not (data.get("reason") or "").strip():
                self.add_error("reason", MSG_REASON_REQUIRED)
        return data
