"""The hook that keeps the per-district totals current (issue #19).

The totals table (reports.models.DistrictTotals) sums what several floors write: the
registry, rounds and targets (products), the survey (surveys), the report lines and the
forms' statuses (reports, otop_portal.workflow). The floors below reports cannot import
it, so every writing service calls `totals_changed` at its end, inside its transaction,
and reports registers the function that recomputes the rows when it loads
(reports.apps). The figures are then current the moment the write commits, and a write
that rolls back takes its totals with it.

This module knows no app: it only carries the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: Functions (round_ids, district_codes) -> None; None means every round or district.
_REFRESHERS: list[Callable[..., None]] = []


def totals_refresher_register(fn: Callable[..., None]) -> Callable[..., None]:
    """Register the function that recomputes the totals (reports does, when it loads)."""
    if fn not in _REFRESHERS:
        _REFRESHERS.append(fn)
    return fn


def totals_changed(
    *, round_ids: Iterable[int] | None = None, districts: Iterable[str] | None = None
) -> None:
    """Say that a write changed the totals of these rounds and districts (None: all).

    Call it inside the write's transaction, after the write."""
    rounds = None if round_ids is None else sorted({int(r) for r in round_ids})
    codes = None if districts is None else sorted({str(d) for d in districts})
    if rounds == [] or codes == []:
        return
    for fn in _REFRESHERS:
        fn(round_ids=rounds, districts=codes)
