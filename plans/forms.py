"""Forms of the plans app. Labels are Thai msgids; every input has one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from plans.models import Step
from plans.services import NOTE_MAX_LENGTH
from products.vocab import EntrepreneurType, ProductType

#: The work list's filters as they appear in the query string.
FILTER_KEYS = ("type", "subdistrict", "etype")


class PlanFilterForm(forms.Form):
    type = forms.TypedChoiceField(
        label=_("ประเภทผลิตภัณฑ์"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("ทุกประเภท")), *ProductType.choices],
    )
    subdistrict = forms.ChoiceField(label=_("ตำบล"), required=False)
    etype = forms.TypedChoiceField(
        label=_("ประเภทผู้ประกอบการ"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("ทุกประเภท")), *EntrepreneurType.choices],
    )

    def __init__(self, *args, subdistricts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subdistrict"].choices = [("", _("ทุกตำบล")), *subdistricts]

    def filters(self) -> dict:
        """Keyword arguments for DistrictPlan.filtered; no filter when the form is invalid."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "product_type": data["type"],
            "subdistrict": data["subdistrict"],
            "entrepreneur_type": data["etype"],
        }


class FollowUpForm(forms.Form):
    """Validates a follow-up posted from the work list (the page writes its inputs)."""

    step = forms.ChoiceField(label=_("ขั้นตอน"), choices=Step.choices)
    on = forms.DateField(
        label=_("วันที่"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=pgettext_lazy("follow-up note", "บันทึก"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
