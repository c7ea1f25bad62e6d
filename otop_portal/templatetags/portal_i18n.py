"""Django's `i18n` template library, with a `{% translate "text" %}` of a constant
translated once per language instead of on every render.

A page's constant labels ({% translate "หน้าแรก" %}) are most of its `translate` tags:
Django looks each one up in the catalog on every render, through the active language's
context variable, and that was a tenth of the district page's instructions and a
fourteenth of the entrepreneur form's (bench/instructions.py, issue #19). Here each such
node keeps what it rendered, by language (and by autoescape, though a translated
constant is always safe text). The catalogs are read once per process, so a text once
translated stays what Django would render.

Every other form goes through Django's TranslateNode as before: a variable
(`{% translate name %}`), filters, a context that is a variable, and `as var`, whose
render sets a context variable. The other tags and filters of the library are Django's.

settings.TEMPLATES names this module as the `portal_i18n` library, and the project's
templates load it instead of Django's (`{% load portal_i18n %}`,
tests/otop_portal/test_i18n_tags.py checks that they all do). It is not named `i18n`:
Django's checks warn of two libraries of one name (templates.W003).
"""

from __future__ import annotations

from django import template
from django.template.base import Variable
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class ConstantTranslateNode(django_i18n.TranslateNode):
    """A TranslateNode of a constant text: rendered once for each language (do_translate
    turns Django's node into this one and gives it `_rendered`)."""

    _rendered: dict[tuple, str]

    def render(self, context):
        key = (get_language(), context.autoescape)
        try:
            return self._rendered[key]
        except KeyError:
            value = self._rendered[key] = super().render(context)
            return value


def is_constant(node: django_i18n.TranslateNode) -> bool:
    """Whether the node renders the same text whatever the context (for one language)."""
    expression = node.filter_expression
    text = expression.var
    context = node.message_context
    return (
        isinstance(text, Variable)
        and text.literal is not None
        and text.lookups is None
        and not expression.filters
        and node.asvar is None
        and (context is None or (isinstance(context.var, str) and not context.filters))
    )


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    if type(node) is django_i18n.TranslateNode and is_constant(node):
        node.__class__ = ConstantTranslateNode
        node._rendered = {}
    return node
