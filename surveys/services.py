"""Writes of the surveys app: starting a survey, saving answers, importing the form,
and the review workflow (otop_portal.workflow) for attachment 2.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.core.files import File
from django.db import router, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from districts.models import District
from otop_portal.cells import match_key
from otop_portal.dates import be_date
from otop_portal.importing import (
    KIND_DUPLICATE,
    KIND_NOT_IN_REGISTRY,
    KIND_OTHER_DISTRICT,
    ImportRefused,
    Notice,
    ProblemCollector,
)
from otop_portal.prepared import PreparedQuery
from otop_portal.spreadsheet import SpreadsheetError, column_letter
from otop_portal.totals import totals_changed
from otop_portal.upload_flow import UploadFlow, blank_refuse
from otop_portal.workflow import (
    Status,
    WorkflowError,
    change_reason_import,
    submission_approve,
    submission_grant_exception,
    submission_return,
    submission_submit,
)
from products.models import Entrepreneur, Product, Round
from products.selectors import (
    BaseQuery,
    base_filter_for,
    entrepreneur_base_products,
    registry_label,
)
from surveys import workbook
from surveys.models import EntrepreneurAnswer, ProductAnswer, Survey, SurveyUpload
from surveys.selectors import ANSWER_COUNTS

MSG_CONFLICT = _(
    "ผู้ประกอบการรายนี้ถูกบันทึกไปแล้วโดย %(user)s เมื่อ %(when)s หลังจากที่ท่านเปิดแบบฟอร์ม "
    "ระบบยังไม่ได้บันทึกข้อมูลของท่าน และข้อมูลที่ท่านกรอกยังอยู่ในแบบฟอร์ม "
    "กรุณาเทียบกับค่าที่บันทึกไว้ แล้วกดบันทึกอีกครั้ง"
)
MSG_NOT_IN_BASE = _("ผู้ประกอบการรายนี้ไม่มีผลิตภัณฑ์ในฐานของรอบนี้")
MSG_PRODUCT_NOT_OURS = _("ผลิตภัณฑ์ที่เลือกไม่ใช่ของผู้ประกอบการรายนี้")
MSG_UNKNOWN_ENTREPRENEUR = _(
    "ไม่พบผู้ประกอบการรหัส “%(code)s” ในทะเบียนของอำเภอ%(district)s %(suggestion)s"
)
MSG_OTHER_DISTRICT = _(
    "ผู้ประกอบการรหัส “%(code)s” เป็นของอำเภอ%(other)s (%(other_code)s) ไม่ใช่อำเภอ%(district)s "
    "แบบสำรวจของอำเภอหนึ่งต้องมีเฉพาะผู้ประกอบการของอำเภอนั้น"
)
MSG_UNKNOWN_PRODUCT = _(
    "ไม่พบผลิตภัณฑ์ “%(product)s” ของผู้ประกอบการรหัส %(code)s ในทะเบียน %(suggestion)s"
)
MSG_SUGGEST = _("ที่ใกล้เคียง: %(items)s")
MSG_NO_SUGGESTION = _("และไม่พบชื่อหรือรหัสที่ใกล้เคียง")
MSG_DUPLICATE = _("ผลิตภัณฑ์ “%(product)s” ของผู้ประกอบการรหัส %(code)s ซ้ำกับแถว %(first)s")
MSG_SKIPPED = ngettext_lazy(
    "ข้าม %(count)s แถวที่เป็นผลิตภัณฑ์ในทะเบียนแต่ไม่อยู่ในฐานของรอบนี้ "
    "(ยกเลิกแล้ว หรือลงทะเบียนนอกช่วงปี %(start)s - %(end)s): แถว %(rows)s",
    "ข้าม %(count)s แถวที่เป็นผลิตภัณฑ์ในทะเบียนแต่ไม่อยู่ในฐานของรอบนี้ "
    "(ยกเลิกแล้ว หรือลงทะเบียนนอกช่วงปี %(start)s - %(end)s): แถว %(rows)s",
    "count",
)
MSG_NOT_IN_FILE = ngettext_lazy(
    "ผลิตภัณฑ์ในฐาน %(count)s รายการไม่อยู่ในไฟล์ คำตอบเดิมของรายการเหล่านี้ไม่เปลี่ยนแปลง",
    "ผลิตภัณฑ์ในฐาน %(count)s รายการไม่อยู่ในไฟล์ คำตอบเดิมของรายการเหล่านี้ไม่เปลี่ยนแปลง",
    "count",
)
MSG_AMOUNTS_SUMMED = ngettext_lazy(
    "ผู้ประกอบการ %(count)s รายมียอดจำหน่ายหลายแถว ระบบรวมยอดของทุกแถวเป็นยอดของผู้ประกอบการ: %(items)s",
    "ผู้ประกอบการ %(count)s รายมียอดจำหน่ายหลายแถว ระบบรวมยอดของทุกแถวเป็นยอดของผู้ประกอบการ: %(items)s",
    "count",
)
#: One entrepreneur of MSG_AMOUNTS_SUMMED: its code and the rows whose amounts were added.
MSG_AMOUNTS_SUMMED_ITEM = _("%(code)s (แถว %(rows)s)")
MSG_UPLOAD_STALE = _(
    "คำตอบในระบบเปลี่ยนไปหลังจากแสดงตัวอย่าง (มีผู้บันทึกเพิ่ม) กรุณาอัปโหลดไฟล์อีกครั้งเพื่อดูตัวอย่างใหม่"
)

IMPORT_BATCH = 500
PREVIEW_CHANGES = 300


class AnswerConflict(WorkflowError):
    """A save started from an older version of the answer; `current` is the stored one."""

    def __init__(self, message, current: EntrepreneurAnswer):
        super().__init__(message)
        self.current = current


# ---------------------------------------------------------------------------
# Starting a survey and saving one entrepreneur
# ---------------------------------------------------------------------------


def _sync_answers(survey: Survey, base: list[tuple[int, int]] | None = None) -> dict[int, bool]:
    """Give every product of the district's base, and its entrepreneur, an answer row.

    Run on every write, so that a registry imported after the survey started adds its
    new base products. Answers of products that left the base are kept (history) but
    no longer counted: every selector filters on the base.

    `base` is the base's (product id, entrepreneur id) pairs when the caller has read
    them already. Returns whether each product's answer row, as it was before, had been
    answered (rows made now have not).
    """
    if base is None:
        base = list(
            Product.objects.base(survey.round, district=survey.district_id).values_list(
                "id", "entrepreneur_id"
            )
        )
    answered = {pid: at is not None for pid, at in _products_answered.all(survey_id=survey.pk)}
    have_products = answered.keys()
    have_entrepreneurs = {eid for (eid,) in _entrepreneurs_answered.all(survey_id=survey.pk)}
    new_products = [
        ProductAnswer(survey=survey, product_id=pid) for pid, _e in base if pid not in have_products
    ]
    entrepreneur_ids = sorted({eid for _p, eid in base} - have_entrepreneurs)
    new_entrepreneurs = [
        EntrepreneurAnswer(survey=survey, entrepreneur_id=eid) for eid in entrepreneur_ids
    ]
    if new_products:
        ProductAnswer.objects.bulk_create(
            new_products, batch_size=IMPORT_BATCH, ignore_conflicts=True
        )
    if new_entrepreneurs:
        EntrepreneurAnswer.objects.bulk_create(
            new_entrepreneurs, batch_size=IMPORT_BATCH, ignore_conflicts=True
        )
    return answered


#: _sync_answers' two queries, compiled once (otop_portal.prepared, issue #19): every
#: upload's preview and commit runs them.
_products_answered = PreparedQuery(
    lambda survey_id: ProductAnswer.objects.filter(survey_id=survey_id).values_list(
        "product_id", "answered_at"
    ),
    survey_id=int,
)
_entrepreneurs_answered = PreparedQuery(
    lambda survey_id: EntrepreneurAnswer.objects.filter(survey_id=survey_id).values_list(
        "entrepreneur_id"
    ),
    survey_id=int,
)


def survey_get_or_start(*, round: Round, district: District, by=None, sync: bool = True) -> Survey:
    """The district's survey for the round, started (prefilled from the registry:
    one answer per base entrepreneur and product) if it does not exist yet. Only a write
    calls it (a save, an upload's commit, a submit, an exception): the survey's page
    shows a survey not started from the registry. Its first history record is credited
    to `by`.

    `sync=False`: a survey already started does not get its answer rows checked against
    the base (three queries, one of them over the district's base): the caller's write
    checks the rows it needs, as survey_answer_save does (issue #19)."""
    with transaction.atomic():
        survey, created = Survey.objects.select_related(
            "round__fiscal_year", "district__province"
        ).get_or_create(round=round, district=district)
        if created and by is not None:
            # Outside a request simple_history has no user for the survey's first record.
            survey.history.filter(history_type="+").update(history_user=by)
        started = created
        if survey.status == Status.NOT_STARTED:  # a bare row an upload made (UploadFlow)
            survey.status = Status.DRAFT
            if by is not None:
                survey._history_user = by
            survey.save(update_fields=["status", "updated_at"])
            started = True
        if sync or started:
            _sync_answers(survey)
        if started:  # the answers it adds are not in the totals; its status is
            totals_changed(round_ids=[round.pk], districts=[district.code], only="survey")
    return survey


@dataclass
class AnswerData:
    trained: bool
    selling_online: bool
    has_standard: bool
    sales_prev_year: Decimal
    ready: set[int]  # ids of the entrepreneur's products that are ready


def _product_answers_locked(survey: Survey, entrepreneur: Entrepreneur) -> list[ProductAnswer]:
    """The answer rows of the entrepreneur's base products, locked for the save."""
    return _product_answers_locked_query.all(
        survey.round,
        survey_id=survey.pk,
        district=survey.district_id,
        entrepreneur_id=entrepreneur.pk,
    )


#: The queries of a save, compiled once (otop_portal.prepared, issue #19).
_product_answers_locked_query = BaseQuery(
    lambda round, survey_id, district, entrepreneur_id: (
        ProductAnswer.objects.select_for_update()
        .filter(survey_id=survey_id, product__entrepreneur_id=entrepreneur_id)
        .filter(base_filter_for(round, "product__", district))
    ),
    survey_id=int,
    district=str,
    entrepreneur_id=int,
)
_answer_locked = PreparedQuery(
    lambda survey_id, entrepreneur_id: EntrepreneurAnswer.objects.select_for_update().filter(
        survey_id=survey_id, entrepreneur_id=entrepreneur_id
    ),
    survey_id=int,
    entrepreneur_id=int,
)


def survey_answer_save(
    *,
    survey: Survey,
    entrepreneur: Entrepreneur,
    data: AnswerData,
    by,
    version: int,
    today: dt.date | None = None,
) -> EntrepreneurAnswer:
    """Save one entrepreneur's answers and its products' readiness.

    `version` is the answer's version the form was opened with. If someone saved the
    entrepreneur since, the save is refused with AnswerConflict (nothing is written),
    so that the second officer keeps their input and sees what was saved.
    """
    reason = survey.lock_reason(by, today)
    if reason:
        raise WorkflowError(reason)
    with transaction.atomic():
        now = timezone.now()
        # The survey's row first, then the answers': an upload's import locks them in
        # that order, and a save that held its answer while waiting for the survey
        # deadlocked with it (two of the bench's officers in one district found it).
        Survey.objects.filter(pk=survey.pk).update(updated_at=now)
        # The answer row alone: who answered it is read only for a conflict's message.
        answer = _answer_locked.get(survey_id=survey.pk, entrepreneur_id=entrepreneur.pk)
        if answer is None:
            _sync_answers(survey)
            answer = _answer_locked.get(survey_id=survey.pk, entrepreneur_id=entrepreneur.pk)
            if answer is None:
                raise WorkflowError(MSG_NOT_IN_BASE)
        if answer.version != version:
            who = answer.answered_by
            raise AnswerConflict(
                MSG_CONFLICT
                % {
                    "user": (who.get_full_name() or who.username) if who else "-",
                    "when": _be_datetime(answer.answered_at),
                },
                answer,
            )
        products = _product_answers_locked(survey, entrepreneur)
        base = {
            p["id"]
            for p in entrepreneur_base_products.all(
                survey.round, district=survey.district_id, entrepreneur_id=entrepreneur.pk
            )
        }
        if not base <= {p.product_id for p in products}:
            # A product new in the base since the survey started: its row first.
            _sync_answers(survey)
            products = _product_answers_locked(survey, entrepreneur)
        if not set(data.ready) <= {p.product_id for p in products}:
            raise WorkflowError(MSG_PRODUCT_NOT_OURS)
        before = _counted(answer, products, base)
        answer.trained = data.trained
        answer.selling_online = data.selling_online
        answer.has_standard = data.has_standard
        answer.sales_prev_year = data.sales_prev_year
        answer.answered_at = now
        answer.answered_by = by
        answer.version += 1
        answer._history_user = by
        answer.save()
        for product in products:
            product.ready = product.product_id in data.ready
            product.answered_at = now
        _product_answers_write(products, now=now, by=by)
        after = _counted(answer, products, base)
        totals_changed(
            round_ids=[survey.round_id],
            districts=[survey.district_id],
            only="survey",
            # What this save adds to the district's answer counts (issue #19): the
            # totals add it instead of counting the district's answers again.
            survey_counts_change={name: after[name] - before[name] for name in ANSWER_COUNTS},
        )
    return answer


def _product_answers_write(products: list[ProductAnswer], *, now, by) -> None:
    """Store one entrepreneur's product answers (their `ready` set, answered `now`) and
    their history: two queries whatever their number, one update whose `ready` is
    whether the row is among the ready ones (issue #19: bulk_update's one statement of
    a CASE per row and field cost 3 ms to build for an entrepreneur's two or three
    products; an update for the ready ones and one for the others, a query more)."""
    if products:
        ready_ids = [p.pk for p in products if p.ready]
        if 0 < len(ready_ids) < len(products):
            ready = ExpressionWrapper(Q(pk__in=ready_ids), output_field=BooleanField())
        else:
            ready = bool(ready_ids)  # all of them, or none
        ProductAnswer.objects.filter(pk__in=[p.pk for p in products]).update(
            ready=ready, answered_at=now
        )
    ProductAnswer.history.bulk_history_create(products, update=True, default_user=by)


#: An entrepreneur's answer, as a save and an import compare and count it.
ANSWER_FIELDS = ("trained", "selling_online", "has_standard", "sales_prev_year")


def _counted(answer: EntrepreneurAnswer, products: list[ProductAnswer], base: set[int]) -> dict:
    """What one entrepreneur's answers add to its district's answer counts
    (selectors.survey_answer_counts, ANSWER_COUNTS): nothing for an entrepreneur, or a
    product, outside the round's base; an answer counts once it was saved."""
    out = dict.fromkeys(ANSWER_COUNTS, 0) | {"sales_prev": Decimal("0.00")}
    if base:
        values = {name: getattr(answer, name) for name in ANSWER_FIELDS}
        out.update(_entrepreneur_counted(answer.answered_at is not None, values))
    for product in products:
        if product.product_id in base and product.answered_at is not None:
            out["products_answered"] += 1
            out["products_ready"] += int(product.ready)
    return out


def _be_datetime(value) -> str:
    if not value:
        return "-"
    local = timezone.localtime(value)
    return f"{be_date(local.date())} {local:%H:%M}"


# ---------------------------------------------------------------------------
# Workflow
# ---------------------------------------------------------------------------


def survey_submit(*, survey: Survey, by, today: dt.date | None = None) -> Survey:
    survey._history_user = by
    return submission_submit(submission=survey, by=by, today=today)


def survey_return(*, survey: Survey, by, reason: str) -> Survey:
    survey._history_user = by
    return submission_return(submission=survey, by=by, reason=reason)


def survey_approve(*, survey: Survey, by) -> Survey:
    survey._history_user = by
    return submission_approve(submission=survey, by=by)


def survey_grant_exception(*, survey: Survey, by, until: dt.date) -> Survey:
    survey._history_user = by
    return submission_grant_exception(submission=survey, by=by, until=until)


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


@dataclass
class Counts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {"new": self.new, "changed": self.changed, "unchanged": self.unchanged}


@dataclass
class SurveyImportResult:
    """What an import did (or, for a preview or dry run, would do)."""

    rows: int = 0
    entrepreneurs: Counts = field(default_factory=Counts)
    products: Counts = field(default_factory=Counts)
    not_in_file: int = 0
    skipped: int = 0
    notices: list[Notice] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    dry_run: bool = False
    #: The file had no mark and no amount anywhere (see UploadFlow).
    blank: bool = False
    #: The base products that submitting would refuse once the file is imported, as
    #: unanswered (the submit rule, Survey.unanswered_products): how many, and the first.
    unanswered: int = 0
    unanswered_products: list[dict] = field(default_factory=list)
    #: A preview's reading of the file, kept for its commit (SurveyUploadFlow).
    kept: dict | None = None

    @property
    def changed(self) -> bool:
        return bool(
            self.entrepreneurs.new
            or self.entrepreneurs.changed
            or self.products.new
            or self.products.changed
        )

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "entrepreneurs": self.entrepreneurs.as_dict(),
            "products": self.products.as_dict(),
            "not_in_file": self.not_in_file,
            "skipped": self.skipped,
            "notices": [str(n) for n in self.notices],
            "changes": self.changes[:PREVIEW_CHANGES],
            "unanswered": self.unanswered,
            "unanswered_products": self.unanswered_products[:PREVIEW_CHANGES],
        }


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _code_similarity(a: str, b: str) -> float:
    """1 minus the edit distance (with transpositions, as typing slips are) per character.

    Codes are digit strings of one length, where SequenceMatcher scores every slip the
    same; the edit distance ranks a transposed pair above two wrong digits.
    """
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return 1 - rows[-1][-1] / max(len(a), len(b), 1)


def _closest_entrepreneurs(
    code: str, name: str, registry: dict[str, dict], n: int = 3
) -> list[str]:
    """The registry's entrepreneurs most like a typed code or name, best first.

    A candidate scores the better of its code's and its name's similarity; among equal
    scores the nearer code number wins.
    """
    key = match_key(name)
    scored = []
    for other, entry in registry.items():
        score = max(
            _code_similarity(code, other),
            _similarity(key, match_key(entry["name"])) if key else 0.0,
        )
        if score >= 0.6:
            distance = abs(int(code) - int(other)) if code.isdigit() and other.isdigit() else 0
            scored.append((-score, distance, other))
    scored.sort()
    return [f"{other} {registry[other]['name']}" for _s, _d, other in scored[:n]]


def _closest_names(word: str, candidates: dict[str, str], n: int = 3) -> list[str]:
    return [
        candidates[k] for k in difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.6)
    ]


def _suggestion_text(items: list[str]) -> str:
    unique = list(dict.fromkeys(items))[:5]
    return MSG_SUGGEST % {"items": ", ".join(unique)} if unique else str(MSG_NO_SUGGESTION)


@dataclass
class _Plan:
    result: SurveyImportResult
    entrepreneur_updates: list[EntrepreneurAnswer]
    product_updates: list[ProductAnswer]
    #: What writing the updates adds to the district's answer counts (ANSWER_COUNTS),
    #: for the totals to add instead of counting the district's answers again.
    counts_change: dict = field(default_factory=dict)


def _entrepreneur_counted(answered: bool, values: dict) -> dict:
    """What one base entrepreneur's answer adds to the answer counts (as _counted)."""
    if not answered:
        return {}
    return {
        "entrepreneurs_answered": 1,
        "trained": int(values["trained"]),
        "selling": int(values["selling_online"]),
        "standard": int(values["has_standard"]),
        "sales_prev": values["sales_prev_year"] or Decimal("0.00"),
    }


def _add_counts(total: dict, counted: dict, sign: int) -> None:
    for name, value in counted.items():
        total[name] = total.get(name, 0) + sign * value


def _base_rows(survey: Survey) -> list[tuple]:
    """The district's base for the survey's round, one row per product: its id and
    name, its entrepreneur's id, code and name (one query, read once per import)."""
    return _base_rows_query.all(survey.round, district=survey.district_id)


_base_rows_query = BaseQuery(
    lambda round, district: Product.objects.base(round, district=district).values_list(
        "id", "name", "entrepreneur_id", "entrepreneur__code", "entrepreneur__name"
    ),
    district=str,
)


def _plan(
    survey: Survey, read: workbook.SurveyRead, collector: ProblemCollector, base_rows: list
) -> _Plan:
    """Match the rows against the district's registry (`base_rows`, from _base_rows) and
    compare them with the answers.

    Adds a Problem for every row that cannot be matched (each row of an unknown
    entrepreneur, so that the marked-up copy marks them all); the caller refuses the file
    if there is any. A fixed number of queries whatever the size of the file.
    """
    round, district = survey.round, survey.district
    result = SurveyImportResult(rows=len(read.rows))
    collector.rows = len(read.rows)

    registry: dict[str, dict] = {}
    for pid, pname, eid, ecode, ename in base_rows:
        entry = registry.setdefault(ecode, {"id": eid, "name": ename, "products": {}})
        entry["products"][match_key(pname)] = (pid, pname)

    codes = {r.entrepreneur_code for r in read.rows}
    unknown = codes - registry.keys()
    elsewhere = (
        {
            e["code"]: e
            for e in Entrepreneur.objects.filter(code__in=unknown).values(
                "code", "name", "district_id", "district__name_th"
            )
        }
        if unknown
        else {}
    )
    outside: set[tuple[str, str]] | None = None

    def outside_base() -> set[tuple[str, str]]:
        """The district's products of the file's entrepreneurs that the round does not
        count (registered outside its window): read at the first row that needs it."""
        nonlocal outside
        if outside is None:
            outside = {
                (ecode, match_key(pname))
                for ecode, pname in Product.objects.filter(
                    district_id=district.code, entrepreneur__code__in=codes
                )
                .exclude(base_filter_for(round, district=district.code))
                .values_list("entrepreneur__code", "name")
            }
        return outside

    code_col, product_col = column_letter(workbook.CODE), column_letter(workbook.PRODUCT)
    code_header, product_header = workbook.H1[workbook.CODE], workbook.H1[workbook.PRODUCT]

    kind_of: dict[str, str] = {}  # the kind of problem of each unknown code
    unmatched_rows = 0  # rows naming an entrepreneur or product the registry lacks
    seen: dict[tuple[str, str], int] = {}
    skipped_rows: list[int] = []
    entrepreneur_values: dict[int, dict] = {}
    amount_rows: dict[str, list[int]] = defaultdict(list)
    product_values: dict[int, bool] = {}

    for row in read.rows:
        code = row.entrepreneur_code
        key = match_key(row.product_name)
        entry = registry.get(code)
        if entry is None:
            other = elsewhere.get(code)
            if other is not None and other["district_id"] == district.code:
                skipped_rows.append(row.row)  # registered here, but nothing in the base
                continue
            if code not in kind_of:  # told once, on the code's own cell
                if other is not None:
                    kind_of[code] = KIND_OTHER_DISTRICT
                    message = MSG_OTHER_DISTRICT % {
                        "code": code,
                        "other": other["district__name_th"],
                        "other_code": other["district_id"],
                        "district": district.name_th,
                    }
                else:
                    kind_of[code] = KIND_NOT_IN_REGISTRY
                    suggestions = _closest_entrepreneurs(code, row.entrepreneur_name, registry)
                    message = MSG_UNKNOWN_ENTREPRENEUR % {
                        "code": code,
                        "district": district.name_th,
                        "suggestion": _suggestion_text(suggestions),
                    }
                collector.add(
                    message,
                    row=row.code_row,
                    column=code_col,
                    header=code_header,
                    value=code,
                    kind=kind_of[code],
                )
            unmatched_rows += kind_of[code] == KIND_NOT_IN_REGISTRY
            continue
        product = entry["products"].get(key)
        if product is None:
            if (code, key) in outside_base():
                skipped_rows.append(row.row)
                continue
            names = {k: name for k, (_pid, name) in entry["products"].items()}
            collector.add(
                MSG_UNKNOWN_PRODUCT
                % {
                    "product": row.product_name,
                    "code": code,
                    "suggestion": _suggestion_text(_closest_names(key, names)),
                },
                row=row.row,
                column=product_col,
                header=product_header,
                value=row.product_name,
                kind=KIND_NOT_IN_REGISTRY,
            )
            unmatched_rows += 1
            continue
        first = seen.get((code, key))
        if first is not None:
            collector.add(
                MSG_DUPLICATE % {"product": row.product_name, "code": code, "first": first},
                row=row.row,
                column=product_col,
                header=product_header,
                value=row.product_name,
                kind=KIND_DUPLICATE,
            )
            continue
        seen[(code, key)] = row.row
        values = entrepreneur_values.setdefault(
            entry["id"],
            {
                "trained": False,
                "selling_online": False,
                "has_standard": False,
                "sales_prev_year": Decimal("0.00"),
            },
        )
        values["trained"] |= row.trained
        values["selling_online"] |= row.selling
        values["has_standard"] |= row.standard
        if row.amount is not None:
            values["sales_prev_year"] += row.amount
            if row.amount:
                amount_rows[code].append(row.row)
        product_values[product[0]] = row.ready

    if collector.problems:
        collector.registry = registry_label(round=round)
        collector.unmatched = unmatched_rows
        return _Plan(result, [], [])

    # Compare with the stored answers (the caller holds the survey's row lock).
    names = {e["id"]: (code, e["name"]) for code, e in registry.items()}
    product_names = {
        pid: (code, pname) for code, e in registry.items() for pid, pname in e["products"].values()
    }
    entrepreneur_updates, product_updates = [], []
    counts_change: dict = {}
    answers = _AnswerRows(EntrepreneurAnswer, survey, "entrepreneur_id", entrepreneur_values)
    fields = ANSWER_FIELDS
    for eid, values in entrepreneur_values.items():
        before = {f: answers.value(eid, f) for f in fields}
        code, ename = names[eid]
        if answers.value(eid, "answered_at") is None:
            result.entrepreneurs.new += 1
        elif before != values:
            result.entrepreneurs.changed += 1
            result.changes.append(
                {
                    "kind": "entrepreneur",
                    "code": code,
                    "name": ename,
                    "fields": [
                        [f, _plain(before[f]), _plain(values[f])]
                        for f in fields
                        if before[f] != values[f]
                    ],
                }
            )
        else:
            result.entrepreneurs.unchanged += 1
            continue
        answer = answers.instance(eid)
        for f, v in values.items():
            setattr(answer, f, v)
        entrepreneur_updates.append(answer)
        answered_before = answers.value(eid, "answered_at") is not None
        _add_counts(counts_change, _entrepreneur_counted(answered_before, before), -1)
        _add_counts(counts_change, _entrepreneur_counted(True, values), 1)

    product_answers = _AnswerRows(ProductAnswer, survey, "product_id", product_values)
    for pid, ready in product_values.items():
        stored = product_answers.value(pid, "ready")
        if product_answers.value(pid, "answered_at") is None:
            result.products.new += 1
        elif stored != ready:
            result.products.changed += 1
            code, pname = product_names[pid]
            result.changes.append(
                {
                    "kind": "product",
                    "code": code,
                    "name": pname,
                    "fields": [["ready", stored, ready]],
                }
            )
        else:
            result.products.unchanged += 1
            continue
        answer = product_answers.instance(pid)
        answer.ready = ready
        product_updates.append(answer)
        if product_answers.value(pid, "answered_at") is not None:
            _add_counts(counts_change, {"products_answered": 1, "products_ready": stored}, -1)
        _add_counts(counts_change, {"products_answered": 1, "products_ready": ready}, 1)

    result.not_in_file = len(base_rows) - len(product_values)
    result.skipped = len(skipped_rows)
    if skipped_rows:
        result.notices.append(
            Notice(
                str(
                    MSG_SKIPPED
                    % {
                        "count": len(skipped_rows),
                        "start": round.window_start,
                        "end": round.window_end,
                        "rows": ", ".join(str(r) for r in skipped_rows[:20]),
                    }
                )
            )
        )
    summed = {code: rows for code, rows in amount_rows.items() if len(rows) > 1}
    if summed:
        items = ", ".join(
            str(MSG_AMOUNTS_SUMMED_ITEM % {"code": code, "rows": ", ".join(map(str, rows))})
            for code, rows in list(summed.items())[:10]
        )
        result.notices.append(
            Notice(str(MSG_AMOUNTS_SUMMED % {"count": len(summed), "items": items}))
        )
    if result.not_in_file:
        result.notices.append(Notice(str(MSG_NOT_IN_FILE % {"count": result.not_in_file})))
    return _Plan(result, entrepreneur_updates, product_updates, counts_change)


class _AnswerRows:
    """A survey's answer rows for some keys, read as values: an import compares a
    district's hundreds of answers, and only those it changes become model instances,
    to be written (issue #19: building them all was a tenth of an upload's preview).

    They are read without a row lock of their own. Every write of a survey's answers
    locks the survey's row first (an import with select_for_update, a save with its
    update of updated_at), so under that lock nobody else changes them. Locking each
    of a district's hundreds of rows as well wrote every locked row again: an upload of
    district 1001's unchanged form wrote 23 KB of PostgreSQL's log at its preview and
    at its commit, instead of 12 KB (its kept reading included) and 1.4 KB (issue
    #19)."""

    def __init__(self, model, survey: Survey, key: str, keys):
        self.model = model
        self.names = [f.attname for f in model._meta.concrete_fields]
        self.index = {name: i for i, name in enumerate(self.names)}
        # All the survey's rows of `model`, those of `keys` among them: read by the
        # survey alone, the query is compiled once (otop_portal.prepared), where a list
        # of a district's hundreds of keys was compiled at each read (issue #19).
        self.db = router.db_for_read(model)
        at = self.index[key]
        wanted = set(keys)
        self.rows = {
            row[at]: row
            for row in _answer_rows_query(model).all(survey_id=survey.pk, using=self.db)
            if row[at] in wanted
        }

    def value(self, key, name: str):
        return self.rows[key][self.index[name]]

    def instance(self, key):
        return self.model.from_db(self.db, self.names, self.rows[key])


#: survey_import_rows' lock of the survey, compiled once (otop_portal.prepared).
_survey_locked = PreparedQuery(
    lambda pk: (
        Survey.objects.select_for_update()
        .select_related("round__fiscal_year", "district__province")
        .filter(pk=pk)
    ),
    pk=int,
)


@cache
def _answer_rows_query(model) -> PreparedQuery:
    """A survey's answer rows of `model`, all fields in order, as tuples."""
    names = [f.attname for f in model._meta.concrete_fields]
    return PreparedQuery(
        lambda survey_id: model.objects.filter(survey_id=survey_id).order_by().values_list(*names),
        survey_id=int,
    )


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def _write(plan: _Plan, survey: Survey, by, reason: str) -> None:
    """Save the plan's answers with their history, in a fixed number of statements.

    Django's bulk_update builds one CASE per field and row, which costs more than the
    database work (PERFORMANCE-NOTES.md, ticket #31202). Entrepreneur answers are
    therefore written with one upsert on the primary key per batch, and product
    answers, whose only answer is yes or no, with one UPDATE per value and batch. The
    survey's row is locked (survey_import_rows), so the versions set here are safe.
    """
    now = timezone.now()
    for answer in plan.entrepreneur_updates:
        answer.answered_at = now
        answer.answered_by = by
        answer.version += 1
    for answer in plan.product_updates:
        answer.answered_at = now
    if plan.entrepreneur_updates:
        EntrepreneurAnswer.objects.bulk_create(
            plan.entrepreneur_updates,
            batch_size=IMPORT_BATCH,
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=[
                "trained",
                "selling_online",
                "has_standard",
                "sales_prev_year",
                "answered_at",
                "answered_by",
                "version",
            ],
        )
        EntrepreneurAnswer.history.bulk_history_create(
            plan.entrepreneur_updates,
            batch_size=IMPORT_BATCH,
            update=True,
            default_user=by,
            default_change_reason=reason,
            default_date=now,
        )
    if plan.product_updates:
        for ready in (True, False):
            ids = [a.pk for a in plan.product_updates if a.ready is ready]
            for start in range(0, len(ids), IMPORT_BATCH):
                ProductAnswer.objects.filter(pk__in=ids[start : start + IMPORT_BATCH]).update(
                    ready=ready, answered_at=now
                )
        ProductAnswer.history.bulk_history_create(
            plan.product_updates,
            batch_size=IMPORT_BATCH,
            update=True,
            default_user=by,
            default_change_reason=reason,
            default_date=now,
        )
    survey._history_user = by
    survey._change_reason = reason
    survey.save()


def survey_import_rows(
    *,
    survey: Survey,
    read: workbook.SurveyRead,
    by=None,
    dry_run: bool = False,
    name: str = "",
    today: dt.date | None = None,
    allow_blank: bool = False,
) -> SurveyImportResult:
    """Import rows read from a filled form into the survey, all or nothing.

    Raises ImportRefused with every problem (cells and registry, or a blank form that
    was not allowed) and WorkflowError when the survey cannot be edited; either way
    nothing is written. With dry_run the same work is done and rolled back, so the
    summary is exactly what an import would report.
    """
    collector = read.problems
    with transaction.atomic():
        locked = _survey_locked.get(pk=survey.pk)
        if locked is None:
            raise Survey.DoesNotExist
        block = locked.lock_reason(by, today)
        if block:
            raise WorkflowError(block)
        base_rows = _base_rows(locked)
        answered = _sync_answers(locked, base=[(row[0], row[2]) for row in base_rows])
        plan = _plan(locked, read, collector, base_rows)
        collector.raise_if_any()
        blank_refuse(blank=read.blank, allow_blank=allow_blank)
        plan.result.notices = list(collector.notices) + plan.result.notices
        plan.result.dry_run = dry_run
        plan.result.blank = read.blank
        # A dry run writes too, then rolls back, so that the submit rule itself says
        # which products would still be unanswered after the import.
        if plan.result.changed:
            _write(plan, locked, by, change_reason_import(name))
        _unanswered_note(plan, locked, base_rows, answered)
        if dry_run:
            # Nothing of a preview is kept, its totals neither: their recount was a fifth
            # of a preview's time (issue #19).
            transaction.set_rollback(True)
        else:
            # What the import adds to the answer counts, added under the totals row's
            # lock instead of counting the district's answers again (issue #19: the
            # two counts were a tenth of a commit).
            totals_changed(
                round_ids=[locked.round_id],
                districts=[locked.district_id],
                only="survey",
                survey_counts_change=plan.counts_change,
            )
    return plan.result


def _unanswered_note(plan: _Plan, survey: Survey, base_rows: list, answered: dict) -> None:
    """The products that submitting would refuse as unanswered (see the result): the
    base's products whose answer had not been answered (`answered`, from _sync_answers)
    and that the plan does not answer. Survey.unanswered_products is the same rule in
    SQL, which lists them, when there are any, in the database's order."""
    result = plan.result
    now_answered = {answer.product_id for answer in plan.product_updates}
    ids = [row[0] for row in base_rows if not answered.get(row[0]) and row[0] not in now_answered]
    result.unanswered = len(ids)
    result.unanswered_products = (
        [
            {"code": code or entrepreneur, "entrepreneur": entrepreneur, "name": name}
            for code, entrepreneur, name in survey.unanswered_products()
            .order_by("entrepreneur__code", "name")
            .values_list("code", "entrepreneur__code", "name")[:PREVIEW_CHANGES]
        ]
        if ids
        else []
    )


def survey_import_file(
    *,
    survey: Survey,
    file,
    name: str = "",
    by=None,
    dry_run: bool = False,
    today: dt.date | None = None,
    allow_blank: bool = False,
) -> SurveyImportResult:
    """Read a filled attachment 2 and import it (see survey_import_rows).

    Raises ImportRefused (an unreadable file included), or WorkflowError.
    """
    return survey_import_rows(
        survey=survey,
        read=survey_read_file(survey=survey, file=file, name=name),
        by=by,
        dry_run=dry_run,
        name=name,
        today=today,
        allow_blank=allow_blank,
    )


def survey_read_file(*, survey: Survey, file, name: str = "") -> workbook.SurveyRead:
    """Read a filled attachment 2 for the survey's round; an unreadable file raises
    ImportRefused."""
    try:
        return workbook.read_survey(file, round=survey.round, name=name)
    except SpreadsheetError as exc:
        collector = ProblemCollector()
        collector.add(exc.message)
        raise ImportRefused(collector.problems) from None


def survey_import(
    *,
    round: Round,
    district: District,
    file,
    name: str = "",
    by=None,
    dry_run: bool = False,
    today: dt.date | None = None,
    allow_blank: bool = False,
) -> SurveyImportResult:
    """Import a district's filled form in one step (the management command's path).

    Starts the survey if needed. A real import keeps the file as a committed
    SurveyUpload (provenance); a dry run writes nothing at all.
    """
    with transaction.atomic():
        survey = survey_get_or_start(round=round, district=district, by=by)
        result = survey_import_file(
            survey=survey,
            file=file,
            name=name,
            by=by,
            dry_run=dry_run,
            today=today,
            allow_blank=allow_blank,
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            if hasattr(file, "seek"):
                file.seek(0)
            record = SurveyUpload(
                survey=survey,
                original_name=name[:255],
                uploaded_by=by,
                outcome=SurveyUpload.Outcome.COMMITTED,
                summary=result.summary(),
            )
            record.file.save(name or "survey.xlsx", File(file), save=True)
    return result


# ---------------------------------------------------------------------------
# Uploads: preview, then commit
# ---------------------------------------------------------------------------


class SurveyUploadFlow(UploadFlow):
    """The survey's uploads: attachment 2 read and imported into the survey."""

    form_model, stale_message = Survey, MSG_UPLOAD_STALE

    def run(self, *, form, file, name: str, kept=None, **kwargs) -> SurveyImportResult:
        """A preview keeps the rows it read (kept_read), and its commit imports them
        instead of reading the file again in a reader process (issue #19). The
        commit's checks against the database are all made again."""
        read = workbook.survey_read_load(kept) if kept is not None else None
        if read is None:
            read = survey_read_file(survey=form, file=file, name=name)
        # Before the import: its matching adds the registry's notices to the read.
        dump = workbook.survey_read_dump(read) if kwargs["dry_run"] else None
        result = survey_import_rows(survey=form, read=read, name=name, **kwargs)
        result.kept = dump
        return result

    def kept_read(self, result: SurveyImportResult) -> dict | None:
        return result.kept


survey_uploads = SurveyUploadFlow()
