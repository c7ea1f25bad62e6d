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

#: Functions (round_ids, districts, only, survey_counts_change) -> None; None means
#: every round or district.
_REFRESHERS: list[Callable[..., None]] = []


def totals_refresher_register(fn: Callable[..., None]) -> Callable[..., None]:
    """Register the function that recomputes the totals (reports does, when it loads)."""
    if fn not in _REFRESHERS:
        _REFRESHERS.append(fn)
    return fn


#: The function that reads what the totals keep of one district's survey (reports
#: registers it, as it does its refresher).
_SURVEY_READERS: list[Callable[..., dict | None]] = []


def survey_totals_reader_register(fn: Callable[..., dict | None]) -> Callable[..., dict | None]:
    """Register the function that reads a district's kept survey figures (reports does)."""
    if fn not in _SURVEY_READERS:
        _SURVEY_READERS.append(fn)
    return fn


def survey_totals_read(*, round_id: int, district: str) -> dict | None:
    """What the totals keep of one district's survey, for the survey page (issue #19):
    {"stamp": the row's stamp, new whenever a write recomputed the row, and so whenever
    the round's base of the district changed; "counts": its answer counts by
    surveys.selectors.ANSWER_COUNTS' names, or None for a row from before they were
    kept}. None when the district has no totals row, or nothing reads them."""
    for fn in _SURVEY_READERS:
        return fn(round_id=round_id, district=district)
    return None


#: What `only` may name: a write that changed nothing but one form's status, lateness
#: or time of last change (a survey's answers are not in the totals).
FORM_KINDS = ("survey", "report")


def totals_changed(
    *,
    round_ids: Iterable[int] | None = None,
    districts: Iterable[str] | None = None,
    only: str | None = None,
    survey_counts_change: dict | None = None,
) -> None:
    """Say that a write changed the totals of these rounds and districts (None: all).

    `only` ("survey" or "report", FORM_KINDS): the write changed only that form's row
    (its status, lateness, last change), so only those figures are read again; an
    answer saved in a survey costs three queries instead of the whole district's sums
    and plausibility checks (issue #19).

    `survey_counts_change` (with only="survey", one round and one district): what the
    write added to that survey's answer counts (surveys.selectors.ANSWER_COUNTS names ->
    a number to add), which the write knows: the totals add it to what they hold
    instead of counting the district's answers again (an answer saved, issue #19).

    Call it inside the write's transaction, after the write."""
    if only is not None and only not in FORM_KINDS:
        raise ValueError(f"only: one of {FORM_KINDS}, not {only!r}")
    if survey_counts_change is not None and only != "survey":
        raise ValueError("survey_counts_change goes with only='survey'")
    rounds = None if round_ids is None else sorted({int(r) for r in round_ids})
    codes = None if districts is None else sorted({str(d) for d in districts})
    if rounds == [] or codes == []:
        return
    if survey_counts_change is not None and (
        rounds is None or codes is None or len(rounds) != 1 or len(codes) != 1
    ):
        raise ValueError("survey_counts_change is one district's of one round")
    for fn in _REFRESHERS:
        fn(round_ids=rounds, districts=codes, only=only, survey_counts_change=survey_counts_change)
