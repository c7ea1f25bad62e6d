"""The site's one navigation: the same menu for a role on every page (base.html).

It lives on the top floor because it links every app's pages. Every link but the home
page is about a round: the round of the page being shown, or else the current one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language
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
MENUS = {"admin": ADMIN_MENU, "province": PROVINCE_MENU, "officer": OFFICER_MENU}


def _reverse_first(names: tuple[str, ...], args: list[str]) -> str | None:
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def _page_round(request: HttpRequest, known: Round | None = None) -> Round | None:
    """The round of the page (its URL's round code), else the current round. `known`:
    the round the view read already (its context's `round`), used when it is the URL's:
    no second query for it (issue #19)."""
    match = getattr(request, "resolver_match", None)
    code = match.kwargs.get("round_code") if match else None
    if code:
        if known is not None and known.code == code:
            return known
        found = round_get(code)
        if found is not None:
            return found
    return round_current()


def nav_links(request: HttpRequest, known_round: Round | None = None) -> list[NavLink]:
    """The menu of the signed-in user's role, for the page's round; empty when signed out
    or when there is no round yet. `known_round`: see _page_round."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    if user.is_portal_admin:
        menu, area = "admin", None
    elif user.is_province_staff and user.province_id:
        menu, area = "province", user.province_id
    elif user.is_officer and user.district_id:
        menu, area = "officer", user.district_id
    else:
        return []
    round = _page_round(request, known_round)
    if round is None:
        return []
    links = _menu_links(
        menu,
        area,
        round.code,
        get_language(),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    return [NavLink(label, url, current=request.path == url) for label, url in links]


@functools.lru_cache(maxsize=4096)
def _menu_links(
    menu: str, area: str | None, round_code: str, language: str, prefix: str, urlconf: str
) -> tuple[tuple[str, str], ...]:
    """A menu's labels and URLs, the same for every page of a round, an area and a
    language: made once, not on every page (issue #19: its reverse() calls were a third
    of what the page's frame cost). The other arguments are those reverse() and the
    labels depend on."""
    links = []
    for label, names, takes in MENUS[menu]:
        args = [round_code] + ([area] if takes else [])
        url = _reverse_first(names, args)
        if url is not None:
            links.append((str(label), url))
    return tuple(links)
