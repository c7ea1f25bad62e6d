"""Template helpers of the survey pages."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from otop_portal.templatetags.portal import baht

register = template.Library()

#: The table's columns: a key, and the name its header and each cell's label show.
COLUMNS = (
    ("code", gettext_lazy("รหัส")),
    ("name", gettext_lazy("ชื่อผู้ประกอบการ")),
    ("type", gettext_lazy("ประเภท")),
    ("sub", gettext_lazy("ตำบล")),
    ("ready", gettext_lazy("ผลิตภัณฑ์พร้อม/ทั้งหมด")),
    ("trained", gettext_lazy("อบรม")),
    ("selling", gettext_lazy("ขายออนไลน์")),
    ("standard", gettext_lazy("มาตรฐาน")),
    ("sales", gettext_lazy("ยอดขายปีก่อน (บาท)")),
    ("status", gettext_lazy("สถานะ")),
    ("action", gettext_lazy("ทำรายการ")),
)


@register.simple_tag
def survey_column_labels() -> dict:
    """The table's column names, translated once: {% survey_column_labels as l %}."""
    return {key: str(text) for key, text in COLUMNS}


@register.simple_tag(takes_context=True)
def survey_entrepreneur_rows(context) -> str:
    """The rows of the survey page's entrepreneur table, written in Python (issue #19):
    through the template engine, the 50 rows of a page were about 800 variable lookups,
    a third of the page's time for the biggest district. The markup is the one
    detail.html drew before."""
    label = {key: escape(text) for key, text in survey_column_labels().items()}
    # (gettext outside the f-strings: makemessages does not read inside them)
    yes, no = escape(_("ใช่")), escape(_("ไม่"))
    yes = f"✓ {yes}"
    answered, unanswered = escape(_("ตอบแล้ว")), escape(_("ยังไม่ตอบ"))
    answered = f'<span class="badge approved">{answered}</span>'
    unanswered = f'<span class="badge not_started">{unanswered}</span>'
    if context.get("can_edit"):
        verbs = escape(_("แก้ไข")), escape(_("กรอก"))
    else:
        verbs = (escape(_("ดู")),) * 2
    rows = context["rows"]
    if not rows:
        if context.get("filtered"):
            empty = _("ไม่พบผู้ประกอบการตามที่กรอง")
        else:
            empty = _("ไม่มีผู้ประกอบการในฐานของรอบนี้")
        return mark_safe(f'<tr><td colspan="11">{escape(empty)}</td></tr>')  # noqa: S308
    out = []
    add = out.append
    for r in rows:
        code, name = escape(r.code), escape(r.name)
        add(
            f'<tr id="e-{code}"><td data-label="{label["code"]}">{code}</td>'
            f'<td data-label="{label["name"]}">{name}</td>'
            f'<td data-label="{label["type"]}">{escape(r.type_label)}</td>'
            f'<td data-label="{label["sub"]}">{escape(r.subdistrict)}</td>'
            f'<td class="num" data-label="{label["ready"]}">'
            f"{escape(r.ready) if r.answered else '–'} / {escape(r.products)}</td>"
        )
        if r.answered:
            add(
                f'<td data-label="{label["trained"]}">{yes if r.trained else no}</td>'
                f'<td data-label="{label["selling"]}">{yes if r.selling else no}</td>'
                f'<td data-label="{label["standard"]}">{yes if r.standard else no}</td>'
                f'<td class="num" data-label="{label["sales"]}">{escape(baht(r.sales_prev))}</td>'
                f'<td data-label="{label["status"]}">{answered}</td>'
            )
        else:
            add(
                f'<td data-label="{label["trained"]}">–</td>'
                f'<td data-label="{label["selling"]}">–</td>'
                f'<td data-label="{label["standard"]}">–</td>'
                f'<td class="num" data-label="{label["sales"]}">–</td>'
                f'<td data-label="{label["status"]}">{unanswered}</td>'
            )
        verb = verbs[0] if r.answered else verbs[1]
        add(
            f'<td data-label="{label["action"]}"><a href="{escape(r.url)}"'
            f' aria-label="{verb} {name}">{verb}</a></td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
