"""The site's one navigation: the same menu for a role on every page (base.html).

It lives on the top floor because it links every app's pages. Every link but the home
page is about a round: the round of the page being shown, or else the current one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from products.models import Round
from products.selectors import round_current, round_get


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool = False


# (label, URL names to try, which area code the URL takes: "province", "district" or None)
OFFICER_MENU = [
    (_("ภาพรวมอำเภอ"), ("dashboards:district",), "district"),
    (_("แบบสำรวจความพร้อม"), ("surveys:detail",), "district"),
    (_("แบบรายงานผล"), ("reports:detail",), "district"),
    (_("แผนส่งเสริมให้ถึงเป้าหมาย"), ("plans:district",), "district"),
]
PROVINCE_MENU = [
    (_("ภาพรวมจังหวัด"), ("dashboards:province",), "province"),
    (_("ตรวจแบบ"), ("dashboards:review",), "province"),
    (_("เป้าหมาย"), ("products:targets",), "province"),
    (_("แบบสำรวจรายอำเภอ"), ("surveys:province",), "province"),
    (_("แบบรายงานผลรายอำเภอ"), ("reports:province",), "province"),
    (_("แผนส่งเสริม"), ("plans:province",), "province"),
]
ADMIN_MENU = [
    (_("ภาพรวมทั้งประเทศ"), ("dashboards:country",), None),
]


def _reverse_first(names: tuple[str, ...], args: list[str]) -> str | None:
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def _page_round(request: HttpRequest) -> Round | None:
    """The round of the page (its URL's round code), else the current round."""
    match = getattr(request, "resolver_match", None)
    code = match.kwargs.get("round_code") if match else None
    if code:
        found = round_get(code)
        if found is not None:
            return found
    return round_current()


def nav_links(request: HttpRequest) -> list[NavLink]:
    """The menu of the signed-in user's role, for the page's round; empty when signed out
    or when there is no round yet."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    if user.is_portal_admin:
        menu, area = ADMIN_MENU, None
    elif user.is_province_staff and user.province_id:
        menu, area = PROVINCE_MENU, user.province_id
    elif user.is_officer and user.district_id:
        menu, area = OFFICER_MENU, user.district_id
    else:
        return []
    round = _page_round(request)
    if round is None:
        return []
    links = []
    for label, names, takes in menu:
        args = [round.code] + ([area] if takes else [])
        url = _reverse_first(names, args)
        if url is not None:
            links.append(NavLink(str(label), url, current=request.path == url))
    return links


def navigation(request: HttpRequest) -> dict:
    """Context processor. Lazy: a page that draws no menu (the error pages) reads
    nothing from the database for it."""
    return {"nav_links": SimpleLazyObject(lambda: nav_links(request))}
