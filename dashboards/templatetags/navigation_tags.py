"""The site's menu in base.html: {% site_nav_links as nav_links %}."""

from django import template

from dashboards.navigation import nav_links
from products.models import Round

register = template.Library()


@register.simple_tag(takes_context=True)
def site_nav_links(context):
    """The menu for the page's round; the view's own `round`, when its context has one,
    is not read again."""
    round = context.get("round")
    return nav_links(context.get("request"), round if isinstance(round, Round) else None)
