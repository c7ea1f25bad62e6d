from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jobs.models import JobKind

EXPORT_KINDS = [
    (JobKind.SURVEY_EXPORT.value, JobKind.SURVEY_EXPORT.label),
    (JobKind.REPORT_EXPORT.value, JobKind.REPORT_EXPORT.label),
    (JobKind.TARGETS_EXPORT.value, JobKind.TARGETS_EXPORT.label),
]


class ExportForm(forms.Form):
    """An export to run as a job: a form of a round, for a district or a province."""

    kind = forms.ChoiceField(label=_("แบบที่ส่งออก"), choices=EXPORT_KINDS)
    round = forms.CharField(label=_("รอบการประเมิน"), max_length=10)
    district = forms.CharField(label=_("รหัสอำเภอ"), max_length=4, required=False)
    province = forms.CharField(label=_("รหัสจังหวัด"), max_length=2, required=False)
    country = forms.BooleanField(label=_("ทุกจังหวัด"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        scopes = [bool(data.get("district")), bool(data.get("province")), bool(data.get("country"))]
        if sum(scopes) != 1:
            raise forms.ValidationError(_("ระบุอำเภอหรือจังหวัดอย่างใดอย่างหนึ่ง"))
        if data.get("kind") == JobKind.TARGETS_EXPORT and not data.get("province"):
            raise forms.ValidationError(_("แบบเป้าหมายตัวชี้วัดส่งออกได้ทีละจังหวัด"))
        return data

    def params(self) -> dict:
        data = self.cleaned_data
        if data["district"]:
            scope = {"district": data["district"]}
        elif data["province"]:
            scope = {"province": data["province"]}
        else:
            scope = {"country": True}
        return {"round": data["round"], **scope}
