"""Template helpers of the report pages."""

from django import template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from otop_portal.workflow import Status

register = template.Library()


@register.filter
def report_status_label(value) -> str:
    """ "approved" -> "อนุมัติแล้ว"; an unknown value is shown as it is."""
    return str(Status(value).label) if value in Status.values else value


@register.simple_tag(takes_context=True)
def report_line_rows(context) -> str:
    """The rows of the report page's line table (and, when the form is editable, each
    line's edit row), written in Python (issue #19).

    Through the template engine the 50 rows of a page were about 1,000 variable lookups
    and 100 translations: 40% of the page's time for the biggest district. The markup is
    the one detail.html drew before; the one open row's form still goes through
    reports/_line_form.html, in this page's context, as `{% include %}` did.
    """
    editable = context.get("editable")
    l_entrepreneur = escape(_("รหัสผู้ประกอบการ"))
    l_product = escape(_("ผลิตภัณฑ์"))
    l_channels = escape(_("ช่องทาง"))
    l_total = escape(_("รวมรอบนี้"))
    l_baseline = escape(_("ปีก่อน"))
    l_saved = escape(_("บันทึกล่าสุด"))
    w_link = escape(_("ลิงก์"))
    unsaved = escape(_("ยังไม่บันทึก"))  # (makemessages does not read inside f-strings)
    unsaved = f'<span class="badge not_started">{unsaved}</span>'
    edit_label = _("แก้ไข %(name)s")
    open_label = _("เปิดแบบฟอร์มของ %(name)s")
    filter_query = context.get("filter_query") or ""
    edit_href = f"?{escape(filter_query)}&amp;edit=" if filter_query else "?edit="
    colspan = escape(context.get("edit_colspan"))
    out = []
    add = out.append
    for row in context["rows"]:
        key = escape(row["key"])
        name = escape(row["product_name"])
        add(
            f'<tr id="line-{key}"><td data-label="{l_entrepreneur}">'
            f"{escape(row['entrepreneur_code'])}</td>"
            f'<td data-label="{l_product}"><strong>{name}</strong><br>'
            f'<span class="muted">{escape(row["about"])}</span>'
        )
        if row["note"]:
            add(f'<br><span class="muted">{escape(row["note"])}</span>')
        if row["flags"]:
            add('<ul class="flags" data-flags>')
            for flag in row["flags"]:
                add(
                    f'<li class="warning"><strong>{conditional_escape(flag.rule_label)}:'
                    f"</strong> {conditional_escape(flag.message)}</li>"
                )
            add("</ul>")
        add(
            f'</td><td data-label="{l_channels}"><span data-row-channels>'
            f"{escape(row['channels'])}</span>"
        )
        if row["url"]:
            add(
                f'<br><a href="{escape(row["url"])}" rel="noopener noreferrer nofollow"'
                f' target="_blank">{w_link}</a>'
            )
        add("</td>")
        for label, amount in row["months"]:
            add(
                f'<td class="num" data-label="{escape(label)}" data-row-month>{escape(amount)}</td>'
            )
        add(
            f'<td class="num" data-label="{l_total}" data-row-total>{escape(row["total"])}</td>'
            f'<td class="num" data-label="{l_baseline}" data-row-baseline>'
            f"{escape(row['baseline'])}</td>"
            f'<td data-label="{l_saved}" data-row-saved>'
            f"{escape(row['saved']) if row['saved'] else unsaved}</td></tr>"
        )
        if not editable:
            continue
        add(
            f'<tr class="line-edit"><td colspan="{colspan}">'
            f'<details data-line-key="{key}"{" open" if row["open"] else ""}>'
            f"<summary>{edit_label % {'name': name}}</summary>"
        )
        if row["form"]:
            with context.push(
                form=row["form"], hint=row["hint"], action=row["action"], line=row["line"]
            ):
                add(_line_form(context).render(context))
        else:
            add(
                f'<p data-line-fallback><a href="{edit_href}{key}#line-{key}">'
                f"{open_label % {'name': name}}</a></p>"
            )
        add("</details></td></tr>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def _line_form(context):
    """reports/_line_form.html, through the page's engine (its loaders and cache)."""
    return context.template.engine.get_template("reports/_line_form.html")
