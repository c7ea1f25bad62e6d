"""Template helpers of the report pages."""

from django import template

from otop_portal.workflow import Status

register = template.Library()


@register.filter
def report_status_label(value) -> str:
    """ "approved" -> "อนุมัติแล้ว"; an unknown value is shown as it is."""
    return str(Status(value).label) if value in Status.values else value
