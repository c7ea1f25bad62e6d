"""GET never writes (issue #15): every page of the URL conf, opened by each role, leaves
every table as it was.

The resolver is walked, not the links, so that pages no link leads to are opened too.
Each URL's arguments are filled with real objects of Phayao's demo with work
(test_pages_crawl.demo_with_work): the round, Phayao and its districts 5604 and 5607
(sample workbooks imported, 5607's forms submitted) and 5601 (nothing started), their
entrepreneurs, report lines, uploads, products, the KPI figures, the jobs, and for the
admin one row of each model it registers. After each page the rows of every model
(history tables included) are counted; after each role's walk every row is compared.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from tests.otop_portal.test_pages_crawl import ROUND, demo_with_work

#: Tables a GET may touch by design: the login session (its expiry) and the
#: login-failure log of django-axes. Their rows belong to the visitor, not to the data.
NOT_DATA = {"sessions.session", "axes.accesslog", "axes.accessattempt", "axes.accessfailurelog"}

DISTRICTS = ("5604", "5607", "5601")
NOT_STARTED = "5601"

ROLES = ["admin", "phayao", "officer5607", f"officer{NOT_STARTED}", None]  # None: anonymous


def walk(resolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or "")


ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")
APP_INDEX = re.compile(r"\(\?P<app_label>([\w|]+)\)")


def data_models():
    return [m for m in apps.get_models() if m._meta.label_lower not in NOT_DATA]


def counts() -> dict[str, int]:
    return {m._meta.label_lower: m._default_manager.count() for m in data_models()}


def snapshot() -> dict[str, list]:
    return {
        m._meta.label_lower: list(m._default_manager.order_by("pk").values_list())
        for m in data_models()
    }


def values_for(name: str, route: str, context: dict) -> list[str]:
    """The values a URL argument takes: real objects of the demo."""
    from jobs.models import Job
    from products.models import Entrepreneur, Product
    from reports.models import ReportLine, ReportUpload
    from reports.selectors import EXPLAINABLE
    from surveys.models import SurveyUpload

    district = context.get("code")
    if name == "round_code":
        return [ROUND]
    if name == "code":
        return ["56"] if "provinces/" in route else list(DISTRICTS)
    if name == "entrepreneur_code":
        return list(
            Entrepreneur.objects.filter(district_id=district).values_list("code", flat=True)[:1]
        )
    if name == "product_id":
        return [str(p) for p in Product.objects.filter(district_id=district).values_list("id")[0]]
    if name == "line_id":
        ids = ReportLine.objects.filter(report__district_id=district).values_list("id", flat=True)
        return [str(i) for i in ids[:1]]
    if name == "upload_id":
        model = SurveyUpload if "/survey/" in route else ReportUpload
        path = "survey__district_id" if model is SurveyUpload else "report__district_id"
        return [
            str(i) for i in model.objects.filter(**{path: district}).values_list("id", flat=True)
        ]
    if name == "which":
        return list(EXPLAINABLE)
    if name == "job_id":
        return [str(i) for i in Job.objects.values_list("id", flat=True)]
    if name == "uidb64":
        return ["MQ"]
    if name == "token":
        return ["set-password"]
    if name == "content_type_id":
        return ["1"]
    if name == "field":
        return ["file"]
    if name in ("object_id", "id", "pk"):
        model = context["model"]
        pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        return [str(pk)] if pk is not None else []
    if name == "path" or name == "url":
        return ["nowhere/"]
    raise AssertionError(f"no values for <{name}> in {route}: add them to values_for")


def admin_model_for(route: str):
    """The model of an admin URL such as admin/reports/report/<path:object_id>/change/."""
    parts = route.split("/")
    if len(parts) > 3 and parts[0] == "admin":
        try:
            return apps.get_model(parts[1], parts[2])
        except LookupError:
            return None
    return None


def every_url() -> list[tuple[str, str]]:
    """(view name, URL) for each pattern of the URL conf and each filling of its arguments."""
    urls = []
    for route, view_name in walk(get_resolver()):
        route = route.replace("^", "").replace("$", "")
        app_index = APP_INDEX.search(route)
        if app_index:  # the admin's app index: one page per app
            for label in app_index.group(1).split("|"):
                urls.append((view_name, "/" + route.replace(app_index.group(0), label)))
            continue
        names = [m.group(2) for m in ARGUMENT.finditer(route)]
        if view_name.startswith("admin:"):
            model = admin_model_for(route)
            context = {"model": model}
            if "object_id" in names and model is None:
                continue  # view_on_site: its own shortcut, tried with content type 1
        else:
            context = {}
        fillings = [{}]
        for name in names:
            fillings = [
                {**f, name: v} for f in fillings for v in values_for(name, route, {**context, **f})
            ]
        for filling in fillings:
            url = ARGUMENT.sub(lambda m, f=filling: f[m.group(2)], route)
            urls.append((view_name, "/" + url))
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES, ids=lambda u: u or "anonymous")
def test_it_opens_every_page_as_each_role_without_writing(
    client, settings, monkeypatch, tmp_path, username
):
    from districts.models import User
    from jobs import progress
    from reports.models import Report

    settings.MEDIA_ROOT = tmp_path
    demo_with_work()
    monkeypatch.setattr(progress, "THREADED", False)
    # A finished export job of each area, so that the job pages have something to show.
    for login in ("phayao", "officer5607"):
        client.force_login(User.objects.get(username=login))
        user = User.objects.get(username=login)
        area = {"district": user.district_id} if user.district_id else {"province": "56"}
        client.post("/jobs/export/", {"kind": "survey_export", "round": ROUND, **area})
    client.logout()
    assert not Report.objects.filter(district_id=NOT_STARTED).exists()
    if username:
        client.force_login(User.objects.get(username=username))

    before_all = snapshot()
    before = counts()
    opened, changed = 0, []
    for view_name, url in every_url():
        response = client.get(url)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        opened += 1
        after = counts()
        if after != before:
            diff = {k: after[k] - before[k] for k in after if after[k] != before[k]}
            changed.append(f"{view_name} {url}: {diff}")
            before = after
    print(f"{username or 'anonymous'}: {opened} pages opened")
    assert changed == [], "a GET wrote rows"
    after_all = snapshot()
    rewritten = [label for label in before_all if before_all[label] != after_all[label]]
    assert rewritten == [], "a GET changed rows"
    assert opened > 200
    assert not Report.objects.filter(district_id=NOT_STARTED).exists()
