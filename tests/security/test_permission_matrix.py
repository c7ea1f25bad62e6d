"""Every page of the portal, requested by every role, generated from the URL conf.

The cast: anonymous, the officer of district 5607 (แม่ใจ, "this district"), the officer of
5604 (เชียงม่วน, another district of the same province), provincial staff of Phayao (56,
"this province") and of Chiang Mai (50), and an administrator. Each named URL outside
admin/, accounts/ and i18n/ is filled from PARAMETERS with objects of district 5607 and
province 56, and requested with GET and POST by each of them:

- anonymous is sent to the login page (or gets 404/405); only PUBLIC pages answer;
- someone whose area does not include 5607/56 gets a 404 (405 for a wrong method),
  so a page never reveals that another area's object exists;
- someone in the area reads what ACCESS lets their role read, and writes (POST) what it
  lets them write; anything else is a 403, 404 or 405;
- the officer of 5604 given 5607's objects under their own district's URL gets a 404
  (no object is reached by its id alone);
- no page the officer of 5604 can open shows a name of 5607's registry.

A new URL fails here until it is added to ACCESS (who reads it, who writes it), and a new
URL parameter fails until PARAMETERS knows how to fill it: a new view cannot slip through
without someone deciding who may use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.conftest import SECRET_5607, Side, World, workbook_text

SKIPPED_PREFIXES = ("admin/", "accounts/", "i18n/", "static/", "media/")

#: Pages anyone may open without logging in. The login page (accounts/) and the language
#: switch (i18n/) are public too; they are outside the walk.
PUBLIC = {"dashboards:healthz"}

OFFICER, PROVINCE, ADMIN = "officer", "province", "admin"
EVERYONE = frozenset({OFFICER, PROVINCE, ADMIN})
NOBODY: frozenset[str] = frozenset()
OFFICERS = frozenset({OFFICER, ADMIN})  # a district's own officers, and administrators
REVIEWERS = frozenset({PROVINCE, ADMIN})  # provincial staff, and administrators
ADMINS = frozenset({ADMIN})

#: Who may read (GET) and who may write (POST) each page, as a role in the area of the
#: page's district or province. A POST-only page has no readers.
ACCESS: dict[str, tuple[frozenset, frozenset]] = {
    "dashboards:home": (EVERYONE, NOBODY),
    "dashboards:country": (ADMINS, NOBODY),
    "dashboards:country_xlsx": (ADMINS, NOBODY),
    "dashboards:country_csv": (ADMINS, NOBODY),
    "dashboards:province": (REVIEWERS, NOBODY),
    "dashboards:province_xlsx": (REVIEWERS, NOBODY),
    "dashboards:province_print": (REVIEWERS, NOBODY),
    "dashboards:province_csv": (REVIEWERS, NOBODY),
    "dashboards:targets_progress": (REVIEWERS, NOBODY),
    # An officer sees their own district's forms in the province's queue.
    "dashboards:review": (EVERYONE, REVIEWERS),
    # Approving is confirmed on a page of its own, which shows the figures (issue #15).
    "dashboards:review_approve": (REVIEWERS, REVIEWERS),
    "dashboards:district": (EVERYONE, NOBODY),
    "products:targets": (REVIEWERS, NOBODY),
    "products:targets_xlsx": (REVIEWERS, NOBODY),
    "products:targets_import": (REVIEWERS, REVIEWERS),
    "products:target_edit": (REVIEWERS, REVIEWERS),
    "surveys:detail": (EVERYONE, NOBODY),
    "surveys:entrepreneur": (EVERYONE, OFFICERS),
    "surveys:submit": (NOBODY, OFFICERS),
    "surveys:review": (NOBODY, REVIEWERS),
    "surveys:exception": (NOBODY, REVIEWERS),
    "surveys:export": (EVERYONE, NOBODY),
    "surveys:print": (EVERYONE, NOBODY),
    "surveys:upload": (OFFICERS, OFFICERS),
    "surveys:upload_reopen": (OFFICERS, NOBODY),
    "surveys:upload_confirm": (NOBODY, OFFICERS),
    "surveys:upload_discard": (NOBODY, OFFICERS),
    "surveys:upload_problems": (OFFICERS, NOBODY),
    "surveys:upload_marked": (OFFICERS, NOBODY),
    # An officer sees their own district's row of the province's list.
    "surveys:province": (EVERYONE, NOBODY),
    "surveys:province_export": (REVIEWERS, NOBODY),
    "reports:detail": (EVERYONE, NOBODY),
    "reports:line_save": (NOBODY, OFFICERS),
    "reports:line_start": (NOBODY, OFFICERS),
    "reports:submit": (NOBODY, OFFICERS),
    "reports:review": (REVIEWERS, REVIEWERS),
    "reports:exception": (NOBODY, REVIEWERS),
    "reports:download": (EVERYONE, NOBODY),
    "reports:print": (EVERYONE, NOBODY),
    "reports:upload": (OFFICERS, OFFICERS),
    "reports:upload_reopen": (OFFICERS, NOBODY),
    "reports:upload_commit": (NOBODY, OFFICERS),
    "reports:upload_discard": (NOBODY, OFFICERS),
    "reports:upload_problems": (OFFICERS, NOBODY),
    "reports:upload_marked": (OFFICERS, NOBODY),
    "reports:explain": (EVERYONE, NOBODY),
    "reports:province": (REVIEWERS, NOBODY),
    "reports:province_download": (REVIEWERS, NOBODY),
    "plans:district": (EVERYONE, NOBODY),
    "plans:followup": (NOBODY, OFFICERS),
    "plans:province": (REVIEWERS, NOBODY),
    "plans:province_xlsx": (REVIEWERS, NOBODY),
    # Jobs belong to the user who started them (and are seen by administrators): on a
    # job's pages the "officer" is the officer of 5607 who started it.
    "jobs:list": (EVERYONE, NOBODY),
    "jobs:detail": (OFFICERS, NOBODY),
    "jobs:status": (OFFICERS, NOBODY),
    "jobs:download": (OFFICERS, NOBODY),
    "jobs:export": (NOBODY, EVERYONE),
}


@dataclass(frozen=True)
class Route:
    name: str  # "surveys:detail"
    route: str  # "rounds/<round:round_code>/districts/<str:code>/survey/"
    params: tuple[str, ...]

    @property
    def namespace(self) -> str:
        return self.name.split(":")[0]

    @property
    def scope(self) -> str:
        """ "district" or "province" when the page belongs to one, "owner" when it belongs
        to the user who made its object, else "global"."""
        if "job_id" in self.params:
            return "owner"
        if "districts/<str:code>" in self.route:
            return "district"
        if "provinces/<str:code>" in self.route:
            return "province"
        return "global"


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def walk(patterns=None, prefix: str = "", namespace: str = "") -> list[Route]:
    """Every URL pattern of the URL conf with its full route, outside SKIPPED_PREFIXES."""
    out = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern).lstrip("^")
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x)
            out += walk(p.url_patterns, route, ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            params = tuple(a or b for a, b in _PARAM.findall(route))
            out.append(Route(name or f"<unnamed {route}>", route, params))
    return out


ROUTES = walk()


class UnknownParameter(Exception):
    pass


def fill(route: Route, param: str, side: Side, world: World) -> str:
    """The value of a URL parameter for the objects of one side (district)."""
    if param == "round_code":
        return world.round.code
    if param == "code":
        if route.scope == "district":
            return side.district
        if route.scope == "province":
            return "56"
        raise UnknownParameter(f"{route.name}: “code” is neither a district nor a province")
    objects = {
        ("*", "entrepreneur_code"): lambda: side.entrepreneur.code,
        ("*", "product_id"): lambda: side.product.pk,
        ("surveys", "upload_id"): lambda: side.survey_upload.pk,
        ("reports", "upload_id"): lambda: side.report_upload.pk,
        ("reports", "line_id"): lambda: side.line.pk,
        ("reports", "which"): lambda: "sold_online",
        ("jobs", "job_id"): lambda: side.job.pk,
    }
    for key in ((route.namespace, param), ("*", param)):
        if key in objects:
            return str(objects[key]())
    raise UnknownParameter(
        f"{route.name} ({route.route}) has the parameter “{param}”, which the permission "
        "matrix does not know: add to fill() which object of a district it takes"
    )


def url_for(route: Route, world: World, *, district: Side, objects: Side | None = None) -> str:
    """The route's URL with `district`'s code and the objects of `objects` (by default the
    same district's)."""
    objects = objects or district
    kwargs = {}
    for param in route.params:
        kwargs[param] = fill(route, param, district if param == "code" else objects, world)
    return reverse(route.name, kwargs=kwargs)


#: Each member of the cast, and the role they play on a page of 5607 / province 56 by the
#: page's scope (None: the page is out of their area).
CAST = {
    "anonymous": None,
    "outsider": {"district": None, "province": OFFICER, "global": OFFICER, "owner": None},
    "other_province_staff": {"district": None, "province": None, "global": PROVINCE, "owner": None},
    "officer": {"district": OFFICER, "province": OFFICER, "global": OFFICER, "owner": OFFICER},
    "province_staff": {
        "district": PROVINCE,
        "province": PROVINCE,
        "global": PROVINCE,
        "owner": None,
    },
    "admin": {"district": ADMIN, "province": ADMIN, "global": ADMIN, "owner": ADMIN},
}

DENIED = {403, 404, 405}
HIDDEN = {404, 405}


def _login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse(settings.LOGIN_URL)
    )


def _explain(who: str, method: str, url: str, response, expected: str) -> str:
    where = response.get("Location", "") if response.status_code in (301, 302) else ""
    return f"{who} {method} {url} -> {response.status_code} {where}; expected {expected}"


def _check(who: str, method: str, url: str, response, *, role, reads, writes) -> str | None:
    status = response.status_code
    if status >= 500:
        return _explain(who, method, url, response, "no server error")
    if role is None:
        if status not in HIDDEN:
            return _explain(who, method, url, response, "404 (out of their area)")
        return None
    if _login_redirect(response):
        return _explain(who, method, url, response, "no login page for a logged-in user")
    allowed = reads if method == "GET" else writes
    if role in allowed:
        if status in DENIED:
            return _explain(who, method, url, response, f"the page ({role} may use it)")
    elif status not in DENIED:
        return _explain(who, method, url, response, f"403, 404 or 405 ({role} may not)")
    return None


def test_every_url_is_named_and_classified():
    unnamed = [r.route for r in ROUTES if r.name.startswith("<unnamed")]
    assert not unnamed, f"URLs without a name cannot be checked: {unnamed}"
    missing = sorted({r.name for r in ROUTES} - set(ACCESS) - PUBLIC)
    assert not missing, (
        f"New URLs {missing}: add each to ACCESS in {__name__} with who reads and who writes it"
    )
    stale = sorted(set(ACCESS) - {r.name for r in ROUTES})
    assert not stale, f"ACCESS names URLs that no longer exist: {stale}"


def test_the_walk_finds_the_pages_of_every_app():
    namespaces = {r.namespace for r in ROUTES}
    assert {"dashboards", "products", "surveys", "reports", "plans", "jobs"} <= namespaces
    assert len(ROUTES) > 30


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_every_role_gets_what_the_matrix_says(route: Route, matrix: World, request):
    world = matrix
    if route.name in PUBLIC:
        assert Client().get(reverse(route.name)).status_code == 200
        return
    assert route.name in ACCESS, f"{route.name} is not in ACCESS: decide who reads and writes it"
    reads, writes = ACCESS[route.name]
    url = url_for(route, world, district=world.mine)
    failures = []
    # Writers last: what they post may change the objects' state.
    order = sorted(CAST, key=lambda who: who != "anonymous" and CAST[who][route.scope] in writes)
    for who in order:
        client = Client()
        if who != "anonymous":
            client.force_login(request.getfixturevalue(who))
        for method in ("GET", "POST"):
            response = client.get(url) if method == "GET" else client.post(url, {})
            if who == "anonymous":
                if not (_login_redirect(response) or response.status_code in HIDDEN):
                    failures.append(_explain(who, method, url, response, "the login page"))
                continue
            role = CAST[who][route.scope]
            failure = _check(who, method, url, response, role=role, reads=reads, writes=writes)
            if failure:
                failures.append(failure)
    assert not failures, "\n".join(failures)


OBJECT_PARAMS = {"entrepreneur_code", "product_id", "upload_id", "line_id", "job_id"}
OBJECT_ROUTES = [r for r in ROUTES if OBJECT_PARAMS & set(r.params)]


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=[r.name for r in OBJECT_ROUTES])
def test_another_districts_object_is_not_reached_through_ones_own_district(
    route: Route, matrix: World, outsider
):
    """The officer of 5604 puts 5607's ids into their own district's URL: 404."""
    world = matrix
    client = Client()
    client.force_login(outsider)
    url = url_for(route, world, district=world.theirs, objects=world.mine)
    for method in ("GET", "POST"):
        response = client.get(url) if method == "GET" else client.post(url, {})
        assert response.status_code in HIDDEN, _explain("outsider", method, url, response, "404")


READABLE = [r for r in ROUTES if r.name not in PUBLIC and ACCESS.get(r.name, (NOBODY,))[0]]


@pytest.mark.parametrize("route", READABLE, ids=[r.name for r in READABLE])
def test_no_page_of_another_district_shows_this_districts_names(
    route: Route, matrix: World, outsider
):
    """Everything the officer of 5604 can open (pages and downloads) in their own district
    and province: no name from 5607's registry."""
    world = matrix
    client = Client()
    client.force_login(outsider)
    url = url_for(route, world, district=world.theirs)
    response = client.get(url, follow=True)
    if response.status_code != 200:
        return
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert SECRET_5607 not in workbook_text(content), f"{url} shows a name of district 5607"


@pytest.mark.parametrize(
    ("who", "scope"),
    [
        ("outsider", {"district": "5607"}),
        ("other_province_staff", {"district": "5607"}),
        ("other_province_staff", {"province": "56"}),
        ("officer", {"province": "56"}),
    ],
)
@pytest.mark.parametrize("kind", ["survey_export", "report_export"])
def test_an_export_job_of_another_area_is_refused(who, scope, kind, world, request):
    """The export form names its district or province in the POST body, not the URL: the
    job's own check must refuse an area the user does not see (or, for an officer, a whole
    province), and keep no job."""
    from jobs.models import Job

    client = Client()
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("jobs:export"), {"kind": kind, "round": world.round.code, **scope}
    )
    assert response.status_code in DENIED or not Job.objects.exists(), (
        f"{who} started a {kind} of {scope}: {response.status_code}"
    )
    assert not Job.objects.exists()
