"""Admin of the registry, the rounds and the targets.

Entrepreneurs, products and targets have django-import-export resources keyed on their
codes, for small corrections: export, fix a few rows, import with a preview. Whole
snapshots go through the registry upload page (RegistrySnapshotAdmin.import_view) or
`manage.py import_registry`, which compare in memory and write in bulk; the
django-import-export preview cannot handle a country-sized file (PERFORMANCE-NOTES.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io

import tablib
import xlsxwriter
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from import_export.forms import ImportForm
from simple_history.admin import SimpleHistoryAdmin

from districts.admin import district_filter, province_filter
from districts.models import District, Subdistrict
from jobs.handlers import IMPORT_BYTES_PER_ROW
from jobs.services import inline_max_rows, job_start
from otop_portal.cells import MSG_TOO_LONG, csv_safe
from otop_portal.importing import ImportRefused
from otop_portal.refusal import refusal_of_form
from otop_portal.spreadsheet import (
    MSG_CSV_ENCODING,
    SpreadsheetError,
    csv_rows,
    first_sheet_rows,
)
from otop_portal.totals import totals_changed
from otop_portal.uploads import KIND_NAMES, MSG_NOT_ACCEPTED, REGISTRY, check_upload
from products.models import Entrepreneur, FiscalYear, Product, RegistrySnapshot, Round, Target
from products.selectors import round_get, snapshot_latest
from products.services.registry import registry_import_file
from products.services.rounds import (
    RoundSetupError,
    round_repin,
    round_repin_check,
    round_setup_from,
)

MSG_FILE_TOO_LARGE = _("ไฟล์ใหญ่เกิน %(limit)s MB")
MSG_REGISTRY_IMPORTED = ngettext_lazy(
    "นำเข้าทะเบียนแล้ว: %(snapshot)s (%(rows)s แถว)",
    "นำเข้าทะเบียนแล้ว: %(snapshot)s (%(rows)s แถว)",
    "rows",
)


MSG_FORMAT_MISMATCH = _("ไฟล์นี้เป็นไฟล์ %(found)s แต่เลือกรูปแบบ %(chosen)s กรุณาเลือกรูปแบบให้ตรงกับไฟล์")


class CheckedImportForm(ImportForm):
    """django-import-export's import form with the portal's size and content checks, and
    the format chosen matching what the file is by its content."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats

    def clean_import_file(self):
        file = self.cleaned_data["import_file"]
        self.found = check_upload(file, kind=REGISTRY, accept=("xlsx", "csv"))
        return file

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("format")
        if getattr(self, "found", None) and chosen not in (None, ""):
            extension = self.import_formats[int(chosen)]().get_extension()
            if extension != self.found:
                self.add_error(
                    "import_file",
                    MSG_FORMAT_MISMATCH
                    % {"found": KIND_NAMES[self.found], "chosen": KIND_NAMES[extension]},
                )
        return cleaned


class SafeCSV(base_formats.CSV):
    """CSV export whose text a spreadsheet will never evaluate (csv_safe); its import
    reads the rows in the memory-limited child (otop_portal.spreadsheet.csv_rows) and
    builds the dataset as tablib does: the first row is the header, an empty row is
    left out, a short row is filled up."""

    def create_dataset(self, in_stream, **kwargs):
        data = in_stream.encode("utf-8") if isinstance(in_stream, str) else in_stream
        rows = csv_rows(data, limits=REGISTRY)
        dataset = tablib.Dataset()
        if not rows:
            return dataset
        dataset.headers = rows[0]
        for row in rows[1:]:
            if row:
                dataset.append(row + [""] * (dataset.width - len(row)))
        return dataset

    def export_data(self, dataset, **kwargs):
        safe = tablib.Dataset(headers=dataset.headers)
        for row in dataset:
            safe.append([csv_safe(v) for v in row])
        return super().export_data(safe, **kwargs)


class SafeXLSX(base_formats.XLSX):
    """XLSX export that writes text as string cells, never as formulas; its import reads
    the first sheet through the portal's bounded reader (the memory-limited child, as
    every upload is read), not with openpyxl in the server process."""

    def create_dataset(self, in_stream):
        rows = first_sheet_rows(in_stream, limits=REGISTRY)
        dataset = tablib.Dataset()
        if not rows:
            return dataset
        dataset.headers = rows[0]
        skip_blank = getattr(settings, "IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES", False)
        for row in rows[1:]:
            if not (skip_blank and all(v is None for v in row)):
                dataset.append(row)
        return dataset

    def export_data(self, dataset, **kwargs):
        out = io.BytesIO()
        book = xlsxwriter.Workbook(
            out,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, dataset.headers or [])
        for r, row in enumerate(dataset, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write(r, c, value)
        book.close()
        return out.getvalue()


SAFE_FORMATS = [SafeCSV, SafeXLSX]


class BoundedImportMixin:
    """An ImportExportModelAdmin that says in Thai why the reader refused a file (the
    reader's own message, not the name of an exception), and on the confirm step too."""

    def add_data_read_fail_error_to_form(self, form, e):
        name = getattr(form.cleaned_data.get("import_file"), "name", "")
        if isinstance(e, UnicodeDecodeError):  # a CSV in another encoding than UTF-8
            e = SpreadsheetError(MSG_CSV_ENCODING)
        if isinstance(e, SpreadsheetError):
            form.add_error("import_file", MSG_NOT_ACCEPTED % {"name": name, "reason": e.message})
            return
        super().add_data_read_fail_error_to_form(form, e)

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except SpreadsheetError as exc:
            # The stored file is read again on confirming: should that read fail now,
            # the user is told why and starts the import again.
            messages.error(request, exc.message)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))


def _is_big(upload) -> bool:
    """Whether an upload is above the size that runs inside the request (the jobs app's
    threshold, estimated in rows from the file's size as the job itself does)."""
    return upload.size // IMPORT_BYTES_PER_ROW > inline_max_rows()


MSG_BAD_ROUND = _("ไม่พบรอบการประเมิน “%(value)s”")


# ---------------------------------------------------------------------------
# django-import-export resources, keyed on codes
# ---------------------------------------------------------------------------


class LengthCheckedResource(resources.ModelResource):
    """A resource that refuses a row whose text is longer than its field.

    django-import-export does not clean the instances it imports (clean_model_instances
    would also require the district, which before_save_instance sets), so a long value
    reached the database: PostgreSQL refused it in the middle of the import, SQLite kept
    it. The row is now invalid, naming the field and its limit, before anything is saved.
    """

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        for field in instance._meta.concrete_fields:
            if field.name in errors or not isinstance(field, models.CharField):
                continue
            value = getattr(instance, field.attname)
            if field.max_length and value is not None and len(str(value)) > field.max_length:
                errors[field.name] = [
                    ValidationError(MSG_TOO_LONG % {"limit": field.max_length}, code="max_length")
                ]
        super().validate_instance(instance, errors, validate_unique)


class TotalsResource(LengthCheckedResource):
    """A resource whose rows the district totals sum (reports.DistrictTotals): an import
    through the admin refreshes them in its transaction, as every service's write does
    (otop_portal.totals). Every round and district: such imports are rare and small."""

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not kwargs.get("dry_run") and not result.has_errors():
            totals_changed()


class EntrepreneurResource(TotalsResource):
    subdistrict = fields.Field(
        attribute="subdistrict",
        column_name="subdistrict",
        widget=widgets.ForeignKeyWidget(Subdistrict, "code"),
    )

    class Meta:
        model = Entrepreneur
        import_id_fields = ("code",)
        fields = ("code", "name", "type", "house_no", "moo", "subdistrict", "phone", "registered")
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def before_save_instance(self, instance, row, **kwargs):
        # The district always follows the subdistrict (it is denormalised for scoping).
        instance.district_id = instance.subdistrict.district_id


class ProductResource(TotalsResource):
    entrepreneur = fields.Field(
        attribute="entrepreneur",
        column_name="entrepreneur",
        widget=widgets.ForeignKeyWidget(Entrepreneur, "code"),
    )

    class Meta:
        model = Product
        import_id_fields = ("code",)
        fields = ("code", "entrepreneur", "name", "type", "registered_year", "status", "registered")
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def before_save_instance(self, instance, row, **kwargs):
        instance.district_id = instance.entrepreneur.district_id

    def get_export_queryset(self, request=None, **kwargs):
        return super().get_export_queryset(request, **kwargs).select_related("entrepreneur")


class RoundWidget(widgets.Widget):
    """A round by its code, "2564-2"."""

    def clean(self, value, row=None, **kwargs):
        found = round_get(str(value).strip()) if value else None
        if found is None:
            raise ValueError(MSG_BAD_ROUND % {"value": value})
        return found

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class TargetResource(TotalsResource):
    round = fields.Field(attribute="round", column_name="round", widget=RoundWidget())
    district = fields.Field(
        attribute="district",
        column_name="district",
        widget=widgets.ForeignKeyWidget(District, "code"),
    )

    class Meta:
        model = Target
        import_id_fields = ("round", "district")
        fields = ("round", "district", "official", "reason")
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def before_save_instance(self, instance, row, **kwargs):
        user = kwargs.get("user")
        if user is not None:
            instance.set_by = user
            instance._history_user = user

    def get_export_queryset(self, request=None, **kwargs):
        return (
            super()
            .get_export_queryset(request, **kwargs)
            .select_related("round__fiscal_year", "district")
        )


# ---------------------------------------------------------------------------
# Registry snapshots and the upload page
# ---------------------------------------------------------------------------


class RegistryUploadForm(forms.Form):
    file = forms.FileField(label=_("ไฟล์ทะเบียน (.xlsx หรือ .csv)"))
    as_of = forms.DateField(
        label=_("ข้อมูล ณ วันที่"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("วันที่ของทะเบียนตามโปรแกรมลงทะเบียนโอท็อป"),
    )
    dry_run = forms.BooleanField(
        label=_("ทดลองก่อน (ตรวจและสรุป ไม่บันทึก)"),
        required=False,
        initial=True,
    )
    remove_missing_provinces = forms.BooleanField(
        label=_("นำจังหวัดที่ไม่มีในไฟล์ออกจากทะเบียน"),
        required=False,
        help_text=_(
            "ถ้าไม่เลือก ทะเบียนของจังหวัดที่ไม่มีในไฟล์คงเดิม (ไฟล์ของบางจังหวัด) "
            "เลือกเมื่อไฟล์เป็นทะเบียนทั้งประเทศ และจังหวัดที่ไม่มีในไฟล์ไม่อยู่ในทะเบียนแล้วจริง"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.REGISTRY_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(MSG_FILE_TOO_LARGE % {"limit": limit // (1024 * 1024)})
        check_upload(upload, kind=REGISTRY, accept=("xlsx", "xls", "ods", "csv"))
        return upload

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > dt.date.today() + dt.timedelta(days=1):
            raise forms.ValidationError(_("วันที่ของข้อมูลต้องไม่เป็นวันในอนาคต"))
        return as_of


@admin.register(RegistrySnapshot)
class RegistrySnapshotAdmin(admin.ModelAdmin):
    change_list_template = "admin/products/registrysnapshot/change_list.html"
    list_display = [
        "__str__",
        "as_of",
        "source_name",
        "row_count",
        "products_changed",
        "imported_at",
        "imported_by",
    ]
    list_select_related = ["imported_by"]
    search_fields = ["source_name"]
    date_hierarchy = "as_of"
    readonly_fields = [
        "as_of",
        "imported_at",
        "imported_by",
        "source_name",
        "row_count",
        "summary_table",
    ]
    exclude = ["summary"]

    @admin.display(description=_("ผลิตภัณฑ์ ใหม่/เปลี่ยน/คงเดิม/ออก"))
    def products_changed(self, obj: RegistrySnapshot) -> str:
        t = (obj.summary or {}).get("totals", {}).get("products")
        if not t:
            return "–"
        return f"{t['new']}/{t['updated']}/{t['unchanged']}/{t['removed']}"

    @admin.display(description=_("สรุปรายอำเภอ"))
    def summary_table(self, obj: RegistrySnapshot) -> str:
        districts = (obj.summary or {}).get("districts", {})
        if not districts:
            return "–"
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            gettext("รหัส"),
            gettext("อำเภอ"),
            gettext("ผลิตภัณฑ์ ใหม่/เปลี่ยน/คงเดิม/ออก"),
            gettext("ผู้ประกอบการ ใหม่/เปลี่ยน/คงเดิม/ออก"),
        )

        def counts(c: dict) -> str:
            return f"{c['new']}/{c['updated']}/{c['unchanged']}/{c['removed']}"

        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (code, d.get("name", ""), counts(d["products"]), counts(d["entrepreneurs"]))
                for code, d in sorted(districts.items())
            ),
        )
        return format_html("<table>{}{}</table>", head, body)

    def has_change_permission(self, request, obj=None) -> bool:
        # A snapshot is a record of an import; it is viewed, never edited.
        return False

    def get_urls(self):
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="products_registrysnapshot_import",
            ),
        ]
        return custom + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        # Snapshots are made by importing a registry file, not typed in.
        return HttpResponseRedirect(reverse("admin:products_registrysnapshot_import"))

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        result = problems = None
        if request.method == "POST":
            form = RegistryUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                if not form.cleaned_data["dry_run"] and _is_big(upload):
                    # A country-sized snapshot runs as a background job with a progress
                    # bar, so the request does not time out.
                    job = job_start(
                        kind="registry_import",
                        by=request.user,
                        params={
                            "as_of": form.cleaned_data["as_of"].isoformat(),
                            "remove_missing_provinces": form.cleaned_data[
                                "remove_missing_provinces"
                            ],
                        },
                        input_file=upload,
                        input_name=upload.name,
                    )
                    return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
                try:
                    result = registry_import_file(
                        file=upload,
                        as_of=form.cleaned_data["as_of"],
                        by=request.user,
                        dry_run=form.cleaned_data["dry_run"],
                        name=upload.name,
                        remove_missing_provinces=form.cleaned_data["remove_missing_provinces"],
                    )
                except ImportRefused as exc:
                    problems = exc.problems
                else:
                    if not result.dry_run:
                        messages.success(
                            request,
                            MSG_REGISTRY_IMPORTED
                            % {"snapshot": result.snapshot, "rows": result.row_count},
                        )
        else:
            form = RegistryUploadForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("นำเข้าทะเบียน"),
            "form": form,
            "result": result,
            "problems": problems,
            # A file the form's checks refused leads with the same headline.
            "refusal": refusal_of_form(form),
            "notices": result.notices if result else None,
            "max_mb": settings.REGISTRY_UPLOAD_MAX_BYTES // (1024 * 1024),
        }
        return TemplateResponse(request, "admin/products/registrysnapshot/import.html", context)


# ---------------------------------------------------------------------------
# The registry, rounds and targets
# ---------------------------------------------------------------------------


class RefreshesTotals:
    """An admin whose rows the district totals sum: a row added, changed or deleted by
    hand refreshes the totals of the districts it was and is in (the admin saves in a
    transaction), so the province and country pages stay current (issue #19)."""

    def totals_scope(self, obj) -> tuple[list[int] | None, set[str]]:
        """The rounds (None: every round) and districts whose totals `obj` counts in."""
        return None, {obj.district_id}

    def _refresh(self, scopes) -> None:
        rounds: set[int] | None = set()
        districts: set[str] = set()
        for round_ids, codes in scopes:
            rounds = None if rounds is None or round_ids is None else rounds | set(round_ids)
            districts |= {c for c in codes if c}
        if districts:
            totals_changed(round_ids=rounds, districts=districts)

    def save_model(self, request, obj, form, change):
        before = []
        if change and obj.pk:
            stored = type(obj).objects.filter(pk=obj.pk).first()
            before = [self.totals_scope(stored)] if stored is not None else []
        super().save_model(request, obj, form, change)
        self._refresh([*before, self.totals_scope(obj)])

    def delete_model(self, request, obj):
        scope = self.totals_scope(obj)
        super().delete_model(request, obj)
        self._refresh([scope])

    def delete_queryset(self, request, queryset):
        scopes = [self.totals_scope(obj) for obj in queryset]
        super().delete_queryset(request, queryset)
        self._refresh(scopes)


@admin.register(Entrepreneur)
class EntrepreneurAdmin(RefreshesTotals, BoundedImportMixin, ImportExportModelAdmin):
    resource_classes = [EntrepreneurResource]
    import_form_class = CheckedImportForm
    formats = SAFE_FORMATS
    list_display = ["code", "name", "type", "subdistrict", "district", "phone", "registered"]
    list_select_related = ["subdistrict", "district"]
    list_filter = [province_filter(), district_filter(), "type", "registered"]
    search_fields = ["code", "name", "phone"]
    autocomplete_fields = ["subdistrict", "district"]
    readonly_fields = ["last_snapshot"]

    def totals_scope(self, obj):
        # Its products' districts: an entrepreneur's name or type is on their lines.
        return None, {obj.district_id, *obj.products.values_list("district_id", flat=True)}


@admin.register(Product)
class ProductAdmin(RefreshesTotals, BoundedImportMixin, ImportExportModelAdmin):
    resource_classes = [ProductResource]
    import_form_class = CheckedImportForm
    formats = SAFE_FORMATS
    list_display = [
        "code",
        "name",
        "entrepreneur",
        "district",
        "type",
        "registered_year",
        "status",
        "registered",
    ]
    list_select_related = ["entrepreneur", "district"]
    list_filter = [
        province_filter(),
        district_filter(),
        "type",
        "status",
        "registered",
        "registered_year",
    ]
    search_fields = ["code", "name", "entrepreneur__code", "entrepreneur__name"]
    raw_id_fields = ["entrepreneur"]
    autocomplete_fields = ["district"]
    readonly_fields = ["last_snapshot"]


class RoundInline(admin.TabularInline):
    model = Round
    extra = 0
    fields = ["number", "starts_on", "ends_on", "target_rate", "window_start", "window_end"]
    show_change_link = True


@admin.register(FiscalYear)
class FiscalYearAdmin(admin.ModelAdmin):
    list_display = ["year", "starts_on", "ends_on"]
    inlines = [RoundInline]


class RepinForm(forms.Form):
    snapshot = forms.ModelChoiceField(
        label=_("ชุดข้อมูลทะเบียน"), queryset=RegistrySnapshot.objects.defer("summary")
    )
    force = forms.BooleanField(
        label=_("เปลี่ยนแม้มีแบบที่อนุมัติแล้ว"),
        required=False,
        help_text=_("ตัวเลขของแบบที่อนุมัติแล้วจะเปลี่ยน ประวัติของรอบจะบันทึกไว้"),
    )


class NextYearForm(forms.Form):
    copy_official_targets = forms.BooleanField(
        label=_("คัดลอกเป้าหมายทางการด้วย"),
        required=False,
        help_text=_("เป้าหมายทางการตั้งไว้สำหรับฐานของรอบเดิม โดยปกติไม่คัดลอก"),
    )


@admin.register(Round)
class RoundAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "fiscal_year",
        "number",
        "period_label",
        "target_rate",
        "growth_rate",
        "window",
        "survey_deadline",
        "report_deadline",
        "snapshot",
    ]
    list_select_related = ["fiscal_year", "snapshot"]
    list_filter = ["fiscal_year"]
    fieldsets = [
        (None, {"fields": ["fiscal_year", "number", "starts_on", "ends_on"]}),
        (
            _("กติกาตัวชี้วัด"),
            {"fields": ["target_rate", "growth_rate", "window_start", "window_end", "snapshot"]},
        ),
        (_("กำหนดส่ง"), {"fields": ["survey_deadline", "report_deadline", "lock_after_deadline"]}),
    ]
    change_form_template = "admin/products/round/change_form.html"

    @admin.display(description=_("ปีที่ลงทะเบียนที่นับเป็นฐาน"))
    def window(self, obj: Round) -> str:
        return f"{obj.window_start}-{obj.window_end}"

    def get_readonly_fields(self, request, obj=None):
        # An existing round changes its snapshot only through the re-pin page, with its
        # preview and its refusal over approved forms.
        return ["snapshot"] if obj is not None else []

    def get_urls(self):
        custom = [
            path(
                "<int:pk>/repin/",
                self.admin_site.admin_view(self.repin_view),
                name="products_round_repin",
            ),
            path(
                "<int:pk>/next-year/",
                self.admin_site.admin_view(self.next_year_view),
                name="products_round_next_year",
            ),
        ]
        return custom + super().get_urls()

    def _round(self, request: HttpRequest, pk: int) -> Round:
        round = Round.objects.select_related("snapshot").defer("snapshot__summary").filter(pk=pk)
        found = round.first()
        if found is None:
            raise Http404
        if not self.has_change_permission(request, found):
            raise PermissionDenied
        return found

    def repin_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Choose a snapshot, read what changes per district, then confirm (POST)."""
        round = self._round(request, pk)
        data = request.POST if request.method == "POST" else request.GET
        latest = snapshot_latest()
        if not data and latest is not None and latest.pk != round.snapshot_id:
            data = {"snapshot": latest.pk}  # the usual case, previewed at once
        form = RepinForm(data or None)
        check = error = None
        if form.is_valid():
            snapshot, force = form.cleaned_data["snapshot"], form.cleaned_data["force"]
            try:
                if request.method == "POST":
                    round_repin(round=round, snapshot=snapshot, force=force, by=request.user)
                    messages.success(
                        request,
                        gettext("รอบ %(code)s ใช้ %(snapshot)s แล้ว")
                        % {"code": round.code, "snapshot": snapshot},
                    )
                    return HttpResponseRedirect(
                        reverse("admin:products_round_change", args=[round.pk])
                    )
                check = round_repin_check(round=round, snapshot=snapshot)
            except RoundSetupError as exc:
                error = str(exc)
                if request.method == "POST":
                    with contextlib.suppress(RoundSetupError):
                        check = round_repin_check(round=round, snapshot=snapshot)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": round,
            "title": gettext("เปลี่ยนชุดข้อมูลทะเบียนของรอบ %(code)s") % {"code": round.code},
            "form": form,
            "check": check,
            "error": error,
        }
        return TemplateResponse(request, "admin/products/round/repin.html", context)

    def next_year_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Start the same round of the next fiscal year from this one (round_setup_from)."""
        source = self._round(request, pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        code = f"{source.fiscal_year_id + 1}-{source.number}"
        form = NextYearForm(request.POST if request.method == "POST" else None)
        error = None
        try:
            preview = round_setup_from(code=code, source=source, dry_run=True).round
        except RoundSetupError as exc:
            preview, error = None, str(exc)
        if preview is not None and request.method == "POST" and form.is_valid():
            try:
                result = round_setup_from(
                    code=code,
                    source=source,
                    copy_official_targets=form.cleaned_data["copy_official_targets"],
                    by=request.user,
                )
            except RoundSetupError as exc:
                error = str(exc)
            else:
                messages.success(
                    request,
                    gettext("สร้างรอบ %(code)s จากรอบ %(source)s แล้ว")
                    % {"code": code, "source": source.code},
                )
                return HttpResponseRedirect(
                    reverse("admin:products_round_change", args=[result.round.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": source,
            "title": gettext("เริ่มรอบ %(code)s จากรอบ %(source)s")
            % {"code": code, "source": source.code},
            "form": form,
            "preview": preview,
            "error": error,
        }
        return TemplateResponse(request, "admin/products/round/next_year.html", context)


@admin.register(Target)
class TargetAdmin(RefreshesTotals, BoundedImportMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [TargetResource]
    import_form_class = CheckedImportForm
    formats = SAFE_FORMATS
    list_display = ["round_code", "district", "official", "reason", "set_by", "set_at"]
    list_select_related = ["round__fiscal_year", "district", "set_by"]
    list_filter = ["round", province_filter(), district_filter()]
    search_fields = ["district__code", "district__name_th", "reason"]
    autocomplete_fields = ["district"]
    readonly_fields = ["set_by", "set_at"]

    @admin.display(description=_("รอบ"), ordering="round")
    def round_code(self, obj: Target) -> str:
        return obj.round.code

    def totals_scope(self, obj):
        return [obj.round_id], {obj.district_id}

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        super().save_model(request, obj, form, change)
