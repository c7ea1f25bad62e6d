"""The form renderer draws the same <input>s as Django's templates (issue #19)."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.forms.renderers import DjangoTemplates

from otop_portal.form_renderer import PortalFormRenderer
from products.models import Round
from reports.forms import ReportLineForm


class Everything(forms.Form):
    name = forms.CharField(max_length=20, help_text="help")
    amount = forms.DecimalField(required=False)
    count = forms.IntegerField(min_value=0, initial=3)
    flag = forms.BooleanField(required=False, initial=True)
    off = forms.BooleanField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial='a "quoted" <b>')
    when = forms.DateField(required=False)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    text = forms.CharField(widget=forms.Textarea, required=False)
    choice = forms.ChoiceField(choices=[("a", "A & B"), ("b", "B")], required=False)
    grouped = forms.ChoiceField(
        choices=[("", "–"), ("ภาคเหนือ", [("56", "พะเยา"), ("57", 'เชียงราย "<x>"')]), (3, "3")],
        required=False,
        initial="57",
    )
    many = forms.MultipleChoiceField(
        choices=[(1, "one"), (2, "two"), (3, "three")], required=False, initial=[1, 3]
    )
    typed = forms.TypedChoiceField(
        choices=[(1, "one"), (2, "two")], coerce=int, required=False, disabled=True, initial=2
    )
    disabled = forms.CharField(disabled=True, required=False, initial="x")


def _both(form_class, **kwargs) -> tuple[str, str]:
    ours = form_class(renderer=PortalFormRenderer(), **kwargs)
    djangos = form_class(renderer=DjangoTemplates(), **kwargs)
    return str(ours), str(djangos)


def test_it_draws_the_same_form_as_djangos_templates():
    ours, djangos = _both(Everything)
    assert ours == djangos
    assert 'value="a &quot;quoted&quot; &lt;b&gt;"' in ours


def test_it_draws_selects_as_django_does():
    ours, djangos = _both(Everything)
    assert ours == djangos
    assert '<option value="57" selected>เชียงราย &quot;&lt;x&gt;&quot;</option>' in ours
    assert '<optgroup label="ภาคเหนือ">' in ours
    assert '<select name="many"' in ours and "multiple" in ours


def test_it_draws_a_bound_select_as_django_does():
    data = {"grouped": "<bad>", "many": ["2", "9"], "choice": "b"}
    ours, djangos = _both(Everything, data=data)
    assert ours == djangos
    assert '<option value="b" selected>B</option>' in ours


def test_it_draws_bound_values_and_errors_as_django_does():
    data = {"name": "<script>", "amount": "1,5", "count": "-1", "flag": "on", "url": "x y"}
    ours, djangos = _both(Everything, data=data)
    assert ours == djangos
    assert "&lt;script&gt;" in ours
    assert 'aria-invalid="true"' in ours


def test_it_draws_a_report_line_form_as_django_does():
    round = Round(
        fiscal_year_id=2564, number=2, starts_on=dt.date(2021, 4, 1), ends_on=dt.date(2021, 9, 30)
    )
    initial = {"month_1": Decimal("1500.50"), "facebook": True, "url": "https://x.th/?a=1&b=2"}
    ours = ReportLineForm(round=round, prefix="l7", initial=initial, renderer=PortalFormRenderer())
    djangos = ReportLineForm(round=round, prefix="l7", initial=initial, renderer=DjangoTemplates())
    assert [str(f) for f in ours] == [str(f) for f in djangos]
    assert 'value="https://x.th/?a=1&amp;b=2"' in str(ours["url"])


def test_it_is_the_portals_renderer(settings):
    from django.forms.renderers import get_default_renderer

    get_default_renderer.cache_clear()
    try:
        assert isinstance(get_default_renderer(), PortalFormRenderer)
    finally:
        get_default_renderer.cache_clear()
