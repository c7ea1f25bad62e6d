"""Reads of the districts app: resolving names that people type to real DOPA areas."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from districts.models import District, Province, Subdistrict
from otop_portal.cells import CellError, clean_text, display

# Words people type before a name, long forms first.
_PREFIXES = re.compile(r"^(?:จังหวัด|จ\.|อำเภอ|อ\.|กิ่งอำเภอ|กิ่ง อ\.|ตำบล|ต\.|เขต|แขวง)\s*")

MSG_UNKNOWN_PROVINCE = _("ไม่พบจังหวัด “%(value)s”%(hint)s")
MSG_UNKNOWN_DISTRICT = _("ไม่พบอำเภอ “%(value)s” ในจังหวัด%(province)s%(hint)s")
MSG_UNKNOWN_SUBDISTRICT = _("ไม่พบตำบล “%(value)s” ในอำเภอ%(district)s%(hint)s")
MSG_HINT = _(" ชื่อที่ใกล้เคียง: %(names)s")
MSG_READ_AS = _("“%(value)s” อ่านเป็น %(name)s (%(code)s)")


def name_key(value) -> str:
    """A place name without the level word (อำเภอ, อ., ต. ...), spaces or dots."""
    text = clean_text(value)
    text = _PREFIXES.sub("", text)
    return re.sub(r"[\s.]", "", text).lower()


@dataclass
class Resolved:
    obj: object
    #: Set when the name was not exact and was read as the closest real name.
    note: str | None = None


def _closest(key: str, names: dict[str, object], n: int = 3, cutoff: float = 0.0) -> list[str]:
    return difflib.get_close_matches(key, list(names), n=n, cutoff=cutoff)


@dataclass
class Gazetteer:
    """An in-memory index of one province's (or the whole country's) areas, loaded with
    three queries, for readers that resolve thousands of typed names."""

    provinces: dict[str, Province] = field(default_factory=dict)
    districts_by_province: dict[str, dict[str, District]] = field(default_factory=dict)
    subdistricts_by_district: dict[str, dict[str, Subdistrict]] = field(default_factory=dict)

    @classmethod
    def load(cls, province_codes: list[str] | None = None) -> Gazetteer:
        g = cls()
        provinces = Province.objects.all()
        districts = District.objects.all()
        subdistricts = Subdistrict.objects.all()
        if province_codes is not None:
            provinces = provinces.filter(code__in=province_codes)
            districts = districts.filter(province_id__in=province_codes)
            subdistricts = subdistricts.filter(district__province_id__in=province_codes)
        for p in provinces:
            g.provinces[name_key(p.name_th)] = p
            g.provinces[name_key(p.name_en)] = p
            g.provinces[p.code] = p
        by_code = {}
        for d in districts:
            by_code[d.code] = d
            names = g.districts_by_province.setdefault(d.province_id, {})
            names[name_key(d.name_th)] = d
            names[d.code] = d
            if d.code.endswith("01") and d.name_th.startswith("เมือง"):
                # "อ.เมือง" is the capital district of its province.
                names["เมือง"] = d
        for s in subdistricts:
            names = g.subdistricts_by_district.setdefault(s.district_id, {})
            names[name_key(s.name_th)] = s
            names[s.code] = s
        return g

    def province(self, value) -> Resolved:
        key = name_key(display(value))
        if key in self.provinces:
            return Resolved(self.provinces[key])
        return self._fuzzy(key, value, self.provinces, MSG_UNKNOWN_PROVINCE, {})

    def district(self, value, province: Province) -> Resolved:
        names = self.districts_by_province.get(province.code, {})
        key = name_key(display(value))
        if key in names:
            return Resolved(names[key])
        capital = f"เมือง{name_key(province.name_th)}"
        return self._fuzzy(
            key, value, {k: v for k, v in names.items() if not k.isdigit()},
            MSG_UNKNOWN_DISTRICT, {"province": province.name_th}, also=capital,
        )

    def subdistrict(self, value, district: District) -> Resolved:
        names = self.subdistricts_by_district.get(district.code, {})
        key = name_key(display(value))
        if key in names:
            return Resolved(names[key])
        return self._fuzzy(
            key, value, {k: v for k, v in names.items() if not k.isdigit()},
            MSG_UNKNOWN_SUBDISTRICT, {"district": district.name_th},
        )

    @staticmethod
    def _fuzzy(key, value, names, message, params, also=None) -> Resolved:
        """Read a slip as the closest real name when it is clearly that one name: similar
        enough (difflib ratio 0.6 or more: กุซาง to ภูซาง is 0.6) and well ahead of the next
        candidate (by 0.2). Otherwise refuse, listing the closest candidates."""
        if not key:
            raise CellError(_("ต้องกรอก"), value)
        candidates = difflib.get_close_matches(key, list(names), n=3, cutoff=0.0)
        if candidates:
            best = candidates[0]
            ratio = difflib.SequenceMatcher(None, key, best).ratio()
            runner_up = (
                difflib.SequenceMatcher(None, key, candidates[1]).ratio()
                if len(candidates) > 1 else 0.0
            )
            if ratio >= 0.6 and ratio - runner_up >= 0.2:
                obj = names[best]
                return Resolved(
                    obj, MSG_READ_AS % {"value": display(value), "name": obj.name_th,
                                        "code": obj.code},
                )
        shown = []
        for c in candidates:
            label = f"{names[c].name_th} ({names[c].code})"
            if label not in shown:
                shown.append(label)
        hint = MSG_HINT % {"names": ", ".join(shown)} if shown else ""
        raise CellError(message % {"value": display(value), "hint": hint, **params}, value)


def district_resolve(value, *, province_code: str) -> Resolved:
    """Resolve one typed district name within a province (for forms and small readers)."""
    g = Gazetteer.load([province_code])
    province = Province.objects.get(code=province_code)
    return g.district(value, province)


# ---------------------------------------------------------------------------
# Dashboards (issue 5): the province, district and country pages and the review desk.
#
# Every KPI figure comes from reports.selectors (kpi_for_*), every readiness figure from
# surveys.selectors; nothing here counts products or sales again. What is added here is
# what only the dashboard needs: deadlines, reporting rates, sorting and filters, the
# history of submissions and the submissions waiting for review.
# ---------------------------------------------------------------------------

# Imported here rather than at the top: the Gazetteer above is imported by workbook
# readers of apps that these selectors themselves import.
import datetime as dt  # noqa: E402

from django.utils import timezone  # noqa: E402

from districts.models import ReminderKind  # noqa: E402
from otop_portal.workflow import Status  # noqa: E402

#: States in which a form counts as submitted for the reporting rates (DHIS2's
#: "completed"): waiting for review or approved. A returned form is back with the district.
SUBMITTED_STATES = frozenset({Status.SUBMITTED.value, Status.APPROVED.value})
#: States in which an officer still has to act (what the reminders are about).
OPEN_STATES = frozenset({Status.NOT_STARTED.value, Status.DRAFT.value, Status.RETURNED.value})

SORTS = ("code", "behind", "late")
SHOWS = ("all", "behind", "late", "waiting")


@dataclass
class Deadline:
    """A round's deadline for one form, seen from `today`."""

    kind: str  # ReminderKind: "survey" or "report"
    date: dt.date
    today: dt.date

    @property
    def label(self) -> str:
        return str(ReminderKind(self.kind).label)

    @property
    def days_left(self) -> int:
        """Days until the deadline: 0 on the day, negative once it has passed."""
        return (self.date - self.today).days

    @property
    def is_past(self) -> bool:
        return self.days_left < 0

    @property
    def days_past(self) -> int:
        return max(0, -self.days_left)


def round_deadlines(round, *, today: dt.date | None = None) -> list[Deadline]:
    today = today or timezone.localdate()
    return [
        Deadline(ReminderKind.SURVEY.value, round.survey_deadline, today),
        Deadline(ReminderKind.REPORT.value, round.report_deadline, today),
    ]


def next_deadline(deadlines: list[Deadline]) -> Deadline:
    """The first deadline not yet passed or, when all have passed, the last one."""
    ahead = [d for d in deadlines if not d.is_past]
    if ahead:
        return min(ahead, key=lambda d: d.date)
    return max(deadlines, key=lambda d: d.date)


@dataclass
class Rate:
    """done out of expected, as reporting rates are shown (DHIS2 style)."""

    done: int
    expected: int

    @property
    def pct(self):
        from reports.selectors import percent

        return percent(self.done, self.expected)


@dataclass
class ReportingRates:
    expected: int
    surveys_submitted: Rate
    surveys_on_time: Rate | None
    surveys_approved: Rate
    reports_submitted: Rate
    reports_on_time: Rate | None
    reports_approved: Rate


def reporting_rates(rows) -> ReportingRates:
    """Reporting rates over district KPI rows: every district is expected to send both
    forms; a form counts once submitted or approved, and on time when it was not
    submitted after its deadline."""
    expected = len(rows)

    def count(status_attr: str, late_attr: str | None = None, states=SUBMITTED_STATES) -> Rate:
        done = sum(
            1 for r in rows
            if getattr(r, status_attr) in states and not (late_attr and getattr(r, late_attr))
        )
        return Rate(done, expected)

    approved = frozenset({Status.APPROVED.value})
    return ReportingRates(
        expected=expected,
        surveys_submitted=count("survey_status"),
        surveys_on_time=count("survey_status", "survey_late"),
        surveys_approved=count("survey_status", states=approved),
        reports_submitted=count("report_status"),
        reports_on_time=count("report_status", "report_late"),
        reports_approved=count("report_status", states=approved),
    )


def province_reporting_rates(row) -> ReportingRates:
    """Reporting rates of an aggregated (province) KPI row, from its status counts.

    An aggregated row keeps how many districts are in each status but not which of them
    were late, so the on-time rates are None here (the country page leaves them out).
    """
    expected = row.districts

    def done(counts: dict[str, int], states) -> Rate:
        return Rate(sum(n for status, n in counts.items() if status in states), expected)

    approved = frozenset({Status.APPROVED.value})
    survey_counts = row.survey_status_counts or {row.survey_status: row.districts}
    report_counts = row.report_status_counts or {row.report_status: row.districts}
    return ReportingRates(
        expected=expected,
        surveys_submitted=done(survey_counts, SUBMITTED_STATES),
        surveys_on_time=None,
        surveys_approved=done(survey_counts, approved),
        reports_submitted=done(report_counts, SUBMITTED_STATES),
        reports_on_time=None,
        reports_approved=done(report_counts, approved),
    )
