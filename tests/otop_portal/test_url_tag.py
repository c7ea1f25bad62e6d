"""{% url %} reverses each URL once per process (issue #19), and renders what Django's
tag renders."""

import pytest
from django.template import Context, Engine, engines
from django.urls import NoReverseMatch

from otop_portal.templatetags.urls import CachedURLNode, reversed_url

TEMPLATE = (
    "{% url 'dashboards:home' %}|"
    "{% url 'surveys:detail' round_code=code code=district %}|"
    "{% url 'surveys:detail' code round %}|"
    "{% url 'no-such-page' as missing %}[{{ missing }}]|"
    "{% url 'surveys:upload' round_code=code code=district as upload %}{{ upload }}"
)
DJANGOS = Engine()


def render(**context) -> str:
    return engines["django"].from_string(TEMPLATE).render(context)


def test_it_renders_what_djangos_tag_renders():
    context = {"code": "2564-2", "district": "5607", "round": 1}
    expected = DJANGOS.from_string(TEMPLATE).render(Context(context))
    assert render(**context) == expected
    assert expected.startswith("/|/rounds/2564-2/districts/5607/survey/|")


def test_it_reverses_each_url_once():
    reversed_url.cache_clear()
    for district in ["5607", "5601", "5607", "5601"]:
        html = render(code="2564-2", district=district, round=1)
        assert f"/rounds/2564-2/districts/{district}/survey/" in html
    info = reversed_url.cache_info()
    # Made once: the home page, the positional link (the same for both districts), and
    # two links for each district. The name that does not reverse is tried every time.
    assert info.currsize == 1 + 1 + 2 * 2
    assert info.misses == info.currsize + 4
    assert info.hits == 4 * 5 - info.misses


def test_a_name_that_does_not_reverse_is_an_error_every_time():
    template = engines["django"].from_string("{% url 'no-such-page' %}")
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            template.render({})


def test_it_reverses_other_arguments_as_django_does(monkeypatch):
    """A model (whose text could change) or a bool is not a key: reversed every time."""
    calls = []
    monkeypatch.setattr(
        "otop_portal.templatetags.urls.reversed_url", lambda *a: calls.append(a) or "x"
    )
    template = engines["django"].from_string("{% url 'surveys:detail' code round %}")
    assert (
        template.render({"code": "2564-2", "round": True})
        == "/rounds/2564-2/districts/True/survey/"
    )
    assert calls == []


def test_every_template_uses_it():
    template = engines["django"].from_string("{% url 'dashboards:home' %}")
    assert type(template.template.nodelist[0]) is CachedURLNode
