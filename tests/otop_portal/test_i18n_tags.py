"""{% translate %} of a constant is translated once per language (issue #19), and renders
what Django's tag renders."""

import re

from django.template import Context, Engine, engines
from django.templatetags import i18n as django_i18n
from django.utils import translation

from otop_portal.settings import BASE_DIR
from otop_portal.templatetags.portal_i18n import ConstantTranslateNode

TEMPLATE = (
    "{% load portal_i18n %}"
    '{% translate "หน้าแรก" %}|'
    '{% translate "ผู้ดูแลระบบ" context "role" %}|'
    "{% translate label %}|"
    '{% translate "ออกจากระบบ" as out %}{{ out }}|'
    '{% translate "หน้าแรก"|upper %}|'
    '{% translate "100% ok" %}'
)
TEMPLATE_FOLDERS = ["templates", "products/templates"]
DJANGOS_LOAD = re.compile(r"\{%\s*load\b[^%]*\bi18n\b")
#: The same templates with Django's own i18n library.
DJANGOS = Engine(libraries={"portal_i18n": "django.templatetags.i18n"})


def render(language: str, **context) -> str:
    template = engines["django"].from_string(TEMPLATE)
    with translation.override(language):
        return template.render(context)


def render_djangos(language: str, **context) -> str:
    with translation.override(language):
        return DJANGOS.from_string(TEMPLATE).render(Context(context))


def nodes(template_source: str) -> list:
    template = engines["django"].from_string(template_source)
    return template.template.nodelist.get_nodes_by_type(django_i18n.TranslateNode)


def test_it_renders_what_djangos_tag_renders_in_thai_and_in_english():
    assert render("th", label="ใหม่") == "หน้าแรก|ผู้ดูแลระบบ|ใหม่|ออกจากระบบ|หน้าแรก|100% ok"
    assert render("en", label="ใหม่") == "Home|Administrator|New|Log out|HOME|100% ok"
    for language in ("th", "en"):
        for label in ("ใหม่", "<b>"):
            assert render(language, label=label) == render_djangos(language, label=label)


def test_it_translates_a_constant_once_per_language_on_one_template():
    template = engines["django"].from_string('{% load portal_i18n %}{% translate "หน้าแรก" %}')
    for language, expected in [("th", "หน้าแรก"), ("en", "Home"), ("th", "หน้าแรก")] * 2:
        with translation.override(language):
            assert template.render({}) == expected
    (node,) = template.template.nodelist.get_nodes_by_type(ConstantTranslateNode)
    assert sorted(language for language, _escape in node._rendered) == ["en", "th"]


def test_it_keeps_djangos_node_where_the_text_can_change():
    found = nodes(TEMPLATE)
    constant = [type(node) is ConstantTranslateNode for node in found]
    # The two constants; not the variable, `as out` or the filtered text; the last constant.
    assert constant == [True, True, False, False, False, True]


def test_it_renders_a_variable_from_each_context():
    assert render("en", label="หน้าแรก").split("|")[2] == "Home"
    assert render("en", label="ออกจากระบบ").split("|")[2] == "Log out"


def test_every_template_of_the_project_loads_it_not_djangos():
    loading_djangos = [
        str(path.relative_to(BASE_DIR))
        for folder in TEMPLATE_FOLDERS
        for path in (BASE_DIR / folder).rglob("*.html")
        if DJANGOS_LOAD.search(path.read_text(encoding="utf-8"))
    ]
    assert loading_djangos == []


def test_a_page_uses_it(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response.templates[0].nodelist.get_nodes_by_type(ConstantTranslateNode)
