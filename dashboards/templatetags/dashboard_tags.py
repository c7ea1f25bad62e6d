"""Template helpers of the dashboards: progress bars, status labels, countdowns."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dashboards import charts
from otop_portal.workflow import Status

register = template.Library()


@register.simple_tag
def progress_bar(pct, met=False, label=""):
    """{% progress_bar row.achievement_pct row.target_met %}: an SVG bar in `.bar`."""
    return charts.progress_bar(pct, met=bool(met), label=label)


@register.filter
def status_label(value) -> str:
    """ "approved" -> "อนุมัติแล้ว"."""
    return str(Status(value).label) if value in Status.values else value


@register.filter
def countdown(deadline) -> str:
    """A Deadline as staff read it: "อีก 3 วัน", "ครบกำหนดวันนี้", "พ้นกำหนดแล้ว 5 วัน".

    A count of a thousand days or more has its separator: "พ้นกำหนดแล้ว 2021 วัน" would
    read as a year of the Christian era."""
    days = deadline.days_left
    if days > 0:
        return ngettext("อีก %(n)s วัน", "อีก %(n)s วัน", days) % {"n": f"{days:,}"}
    if days == 0:
        return _("ครบกำหนดวันนี้")
    return ngettext("พ้นกำหนดแล้ว %(n)s วัน", "พ้นกำหนดแล้ว %(n)s วัน", -days) % {"n": f"{-days:,}"}
