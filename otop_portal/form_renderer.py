"""The form renderer (settings.FORM_RENDERER): Django's, with <input> drawn without the
template engine, and <select> too.

Django draws each widget through a template: an <input> is two template renders (the
widget's file, which includes input.html, which includes attrs.html). The report page of
a big district draws 50 line forms of 13 inputs each, and those renders took 60% of its
time (400 of 650 ms, bench/dashboard.py as the district's officer, issue #19). This
renderer writes the same markup as input.html and attrs.html directly, and as select.html
with its select_option.html (a page's filters: half of what the report page drew apart
from its lines); every other template (textareas, radios, the form and field layouts)
goes through Django's renderer as before. A project template that overrides one of these files is used: the short cut
applies only to the files Django ships.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

#: The widget templates that are input.html and nothing else, in Django 5.2.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "checkbox",
        "hidden",
        "url",
        "email",
        "password",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
    )
)


ATTRS_TEMPLATE = "django/forms/widgets/attrs.html"


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(parts: list[str], attrs: dict) -> None:
    """attrs.html of Django 5.2."""
    for name, attr in attrs.items():
        if attr is False:
            continue
        parts += [" ", conditional_escape(name)]
        if attr is not True:
            parts += ['="', conditional_escape(str(attr)), '"']


def input_html(widget: dict) -> str:
    """input.html and attrs.html of Django 5.2, for a widget's context."""
    parts = [
        '<input type="',
        conditional_escape(widget["type"]),
        '" name="',
        conditional_escape(widget["name"]),
        '"',
    ]
    value = widget.get("value")
    if value is not None:
        parts += [' value="', conditional_escape(str(value)), '"']
    _attrs(parts, widget["attrs"])
    parts.append(">")
    return "".join(parts)


def select_html(widget: dict) -> str | None:
    """select.html and select_option.html of Django 5.2, for a widget's context; None
    when an option has a template of its own."""
    parts = ['<select name="', conditional_escape(widget["name"]), '"']
    _attrs(parts, widget["attrs"])
    parts.append(">")
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts += ['\n  <optgroup label="', conditional_escape(str(group_name)), '">']
        for option in group_choices:
            if option.get("template_name") != OPTION_TEMPLATE:
                return None
            parts += ['\n  <option value="', conditional_escape(str(option["value"])), '"']
            _attrs(parts, option["attrs"])
            # select_option.html ends with a newline, which Django writes too.
            parts += [">", conditional_escape(str(option["label"])), "</option>\n"]
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class PortalFormRenderer(DjangoTemplates):
    """Django's default renderer, with the plain inputs and selects drawn in Python (see
    above)."""

    def __init__(self):
        super().__init__()
        self._overridden: dict[str, bool] = {}

    def _is_overridden(self, template_name: str) -> bool:
        """Whether an app's template replaces Django's file, or a file it includes
        (input.html and attrs.html; select_option.html and attrs.html) (asked once per
        name)."""
        if template_name not in self._overridden:
            included = "django/forms/widgets/input.html"
            if template_name == SELECT_TEMPLATE:
                included = OPTION_TEMPLATE
            names = (template_name, included, ATTRS_TEMPLATE)
            self._overridden[template_name] = not all(map(self._is_djangos, names))
        return self._overridden[template_name]

    def _is_djangos(self, template_name: str) -> bool:
        try:
            origin = self.get_template(template_name).template.origin.name
        except TemplateDoesNotExist:
            return False
        return "/django/forms/templates/" in str(origin).replace("\\", "/")

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if (
            template_name in INPUT_TEMPLATES
            and widget is not None
            and not self._is_overridden(template_name)
        ):
            return mark_safe(input_html(widget))
        if (
            template_name == SELECT_TEMPLATE
            and widget is not None
            and not self._is_overridden(template_name)
        ):
            html = select_html(widget)
            if html is not None:
                return mark_safe(html)
        return super().render(template_name, context, request=request)
