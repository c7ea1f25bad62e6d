"""The admin shows Buddhist-era dates everywhere it shows a date: the date hierarchy above
a list, and an edit form's date input, which takes the date back in either era."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from districts.admin_display import BuddhistEraDateInput
from jobs.models import Job, JobKind
from plans.models import FollowUp
from products.models import RegistrySnapshot
from tests.conftest import make_product

pytestmark = pytest.mark.django_db


def hierarchy(html: str) -> list[tuple[str, str]]:
    """The date hierarchy's links as (href, title), and its plain titles with href ''."""
    nav = re.search(r'<nav class="toplinks">(.*?)</nav>', html, re.S).group(1)
    links = [
        (html_lib.unescape(h), html_lib.unescape(t).strip())
        for h, t in re.findall(r'href="([^"]*)"[^>]*>([^<]*)<', nav)
    ]
    plain = [
        ("", html_lib.unescape(t).strip())
        for t in re.sub(r"<a [^>]*>[^<]*</a>", "\n", nav).split("\n")
        if t.strip()
    ]
    return links + plain


def test_it_titles_the_snapshot_lists_years_and_months_in_the_buddhist_era(client, admin):
    RegistrySnapshot.objects.create(as_of=dt.date(2021, 5, 25), source_name="a.xlsx")
    RegistrySnapshot.objects.create(as_of=dt.date(2022, 1, 10), source_name="b.xlsx")
    client.force_login(admin)
    url = reverse("admin:products_registrysnapshot_changelist")

    years = hierarchy(client.get(url).content.decode())
    assert [title for _, title in years] == ["2564", "2565"]
    # The links keep the Christian-era year the database filters on.
    href = dict((t, h) for h, t in years)["2564"]
    assert "as_of__year=2021" in href

    page = client.get(url + href)
    assert page.status_code == 200
    months = hierarchy(page.content.decode())
    assert ("พฤษภาคม 2564") in [t for _, t in months]
    assert "a.xlsx" in page.content.decode() and "b.xlsx" not in page.content.decode()

    href = dict((t, h) for h, t in months)["พฤษภาคม 2564"]
    days = hierarchy(client.get(url + href).content.decode())
    assert "‹ 2564" in [t for _, t in days]  # back to the year
    assert "25 พฤษภาคม" in [t for _, t in days]
    assert not any("2021" in t or "2022" in t for _, t in years + months + days)


def test_it_titles_the_job_lists_month_in_the_buddhist_era(client, admin):
    job = Job.objects.create(user=admin, kind=JobKind.SURVEY_EXPORT, params={}, label="งาน")
    Job.objects.filter(pk=job.pk).update(
        created_at=timezone.make_aware(dt.datetime(2026, 12, 6, 10, 0))
    )
    client.force_login(admin)
    html = client.get(reverse("admin:jobs_job_changelist")).content.decode()
    titles = [t for _, t in hierarchy(html)]
    # All jobs are of one month, so the list starts there: back to 2569, days of the month.
    assert titles == ["‹ 2569", "6 ธันวาคม"]


def test_it_shows_and_takes_an_edit_forms_date_in_the_buddhist_era(client, admin, round_2564):
    product = make_product()
    follow_up = FollowUp.objects.create(
        round=round_2564,
        product=product,
        district_id="5607",
        step="contacted",
        on=dt.date(2021, 5, 25),
    )
    client.force_login(admin)
    url = reverse("admin:plans_followup_change", args=[follow_up.pk])
    html = client.get(url).content.decode()
    assert 'name="on" value="25/05/2564"' in html

    data = {
        "round": round_2564.pk,
        "product": product.pk,
        "district": "5607",
        "step": "helped",
        "on": "01/06/2564",
        "note": "",
        "updated_by": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    follow_up.refresh_from_db()
    assert follow_up.on == dt.date(2021, 6, 1)


class DateForm(forms.Form):
    on = forms.DateField(widget=BuddhistEraDateInput())


@pytest.mark.parametrize(
    "typed, date",
    [
        ("25/05/2564", dt.date(2021, 5, 25)),
        ("5/5/2564", dt.date(2021, 5, 5)),
        ("25/05/2021", dt.date(2021, 5, 25)),
        ("2021-05-25", dt.date(2021, 5, 25)),
    ],
)
def test_it_reads_a_date_typed_in_either_era(typed, date):
    form = DateForm({"on": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["on"] == date


def test_it_refuses_a_date_that_does_not_exist_and_shows_it_as_typed():
    form = DateForm({"on": "31/02/2564"})
    assert not form.is_valid()
    assert "on" in form.errors
    assert 'value="31/02/2564"' in str(form["on"])


def test_it_names_the_admin_and_an_edit_forms_fields_in_thai(client, admin, round_2564):
    client.force_login(admin)
    html = client.get(reverse("admin:products_round_change", args=[round_2564.pk])).content.decode()
    assert "ระบบจัดการ OTOP ตลาดออนไลน์" in html and "Django" not in html.split("<body")[1]
    assert 'for="id_fiscal_year">ปีงบประมาณ' in html and "Fiscal year" not in html
    assert 'placeholder="พิมพ์เพื่อค้นหาเมนู…"' in html
    assert 'name="starts_on" value="01/04/2564"' in html
