"""The forms a district's survey and report share: the upload, the review and the
deadline exception. Labels are Thai msgids; every input has one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from otop_portal.uploads import DISTRICT, check_upload


class UploadForm(forms.Form):
    """A filled workbook of a district's form. The file is checked (size, and by its
    content a spreadsheet) before anything keeps or reads it."""

    file = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods"}))

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["file"].label = label

    def clean_file(self):
        file = self.cleaned_data["file"]
        check_upload(file, kind=DISTRICT)
        return file


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
