"""Django's `{% url %}`, with each URL reversed once per process.

A district's page reverses about fifteen URLs (its frame six, its links nine), nearly
all the same on every request of the district and round: reverse() walks the URL
patterns each time, and that was 1.1 M of the district page's 19 M instructions
(bench/instructions.py, issue #19). The tag here remembers the URLs of the last 4,096
arguments, keyed by all that reverse() reads: the view's name, the arguments, the
current app (as Django's tag finds it), the URL conf and the script prefix. Arguments
that are not plain text or whole numbers (a model, say, whose text could change) are
reversed every time, as is any name that does not reverse; `as var` and escaping are
Django's.

settings.TEMPLATES adds this library to the built-ins, after Django's, so its `url`
replaces Django's in every template.
"""

from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()


def _plain(value) -> bool:
    """Text (a template's literal is a SafeString) or a whole number, not a bool (True
    would be the key of 1)."""
    return isinstance(value, str) or type(value) is int


@functools.lru_cache(maxsize=4096)
def reversed_url(
    view_name: str, args: tuple, kwargs: tuple, current_app, urlconf: str, prefix: str
) -> str:
    """reverse(), once for each of its inputs (urlconf and prefix: the key's part)."""
    return reverse(view_name, urlconf, list(args), dict(kwargs), current_app)


@receiver(setting_changed)
def _forget(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        reversed_url.cache_clear()


class CachedURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple((name, value.resolve(context)) for name, value in self.kwargs.items())
        view_name = self.view_name.resolve(context)
        if not (
            isinstance(view_name, str)
            and all(map(_plain, args))
            and all(_plain(value) for _name, value in kwargs)
        ):
            return super().render(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reversed_url(
                view_name,
                args,
                kwargs,
                current_app,
                get_urlconf() or settings.ROOT_URLCONF,
                get_script_prefix(),
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    node.__class__ = CachedURLNode
    return node
