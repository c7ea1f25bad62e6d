"""Forms of the products app."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from otop_portal.uploads import DISTRICT, check_upload
from products.targets_workbook import MAX_TARGET

MSG_FILE_TOO_LARGE = _("ไฟล์ใหญ่เกิน %(limit)s MB")
MSG_REASON_REQUIRED = _("กรุณาระบุเหตุผล")


class TargetForm(forms.Form):
    official = forms.IntegerField(
        label=_("เป้าหมายทางการ"),
        required=False,
        min_value=0,
        max_value=MAX_TARGET,
        help_text=_("เว้นว่างเพื่อล้างเป้าหมายทางการและกลับไปใช้เป้าหมายที่คำนวณ"),
    )
    reason = forms.CharField(
        label=_("เหตุผล"),
        max_length=1000,
        error_messages={"required": MSG_REASON_REQUIRED},
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("เช่น ตามหนังสือจังหวัดที่ ... หรือ ปรับตามผลิตภัณฑ์ที่ยกเลิก"),
    )


class TargetsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("ไฟล์เป้าหมายตัวชี้วัด (สิ่งที่ส่งมาด้วย 1)"),
        help_text=_("Excel (.xlsx, .xls), OpenDocument (.ods) หรือ CSV ในรูปแบบของกรม"),
    )
    dry_run = forms.BooleanField(
        label=_("ตรวจสอบอย่างเดียว ยังไม่บันทึก"),
        required=False,
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        limit = settings.DISTRICT_UPLOAD_MAX_BYTES
        if file.size > limit:
            raise forms.ValidationError(MSG_FILE_TOO_LARGE % {"limit": limit // (1024 * 1024)})
        # The shared check of every upload (the district's budget of cells and unpacked
        # bytes, and what the file is by its content), before anything reads it.
        check_upload(file, kind=DISTRICT, accept=("xlsx", "xls", "ods", "csv"))
        return file
