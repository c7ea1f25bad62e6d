"""A refused file told so that it leads with what to do (issue #14).

A refusal can list hundreds of problems, one per row. Nobody reads them all, and when
they all say the same thing the officer needs one sentence, not 528 lines. So a refusal
leads with a headline (how many problems of each kind), then, when most rows name
entrepreneurs or products that the registry lacks, says once that the file does not
match the registry snapshot in the portal and who can fix that; then at most
SHOWN_PROBLEMS problems. The whole list is a download (problems_csv), and the marked-up
copy of the file (otop_portal.problem_marks) carries each problem on its cell.

The pages (templates/includes/import_problems.html) and the commands
(otop_portal.commands.refused) tell a refusal through this module, so they say the same.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field, fields

from django.utils.translation import gettext_lazy, ngettext_lazy

from otop_portal.importing import (
    KIND_DUPLICATE,
    KIND_NOT_IN_REGISTRY,
    KIND_OTHER_DISTRICT,
    Problem,
)

#: How many problems a page or a command shows; the rest are in the download.
SHOWN_PROBLEMS = 20
#: A file with fewer data rows than this is never said not to match the registry: two
#: typing slips in a three-row file are typing slips.
MISMATCH_MIN_ROWS = 5

#: "n" is the number that chooses the English plural; "count" is it as shown (1,234).
MSG_HEADLINE = ngettext_lazy(
    "ไม่รับไฟล์นี้: พบปัญหา %(count)s รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง",
    "ไม่รับไฟล์นี้: พบปัญหา %(count)s รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง",
    "n",
)
MSG_KIND_NOT_IN_REGISTRY = gettext_lazy("ผู้ประกอบการหรือผลิตภัณฑ์ที่ไม่มีในทะเบียนของระบบ")
MSG_KIND_OTHER_DISTRICT = gettext_lazy("ผู้ประกอบการของอำเภออื่น")
MSG_KIND_DUPLICATE = gettext_lazy("ผลิตภัณฑ์ที่ซ้ำในไฟล์")
MSG_KIND_COLUMN = gettext_lazy("ค่าในคอลัมน์ %(column)s %(header)s")
MSG_KIND_ROW = gettext_lazy("ปัญหาของทั้งแถว")
MSG_KIND_FILE = gettext_lazy("ปัญหาของไฟล์")
MSG_KIND_COUNT = gettext_lazy("%(label)s: %(count)s รายการ")
MSG_REGISTRY_MISMATCH = gettext_lazy(
    "ไฟล์นี้ไม่ตรงกับทะเบียนผู้ประกอบการในระบบ (%(registry)s): %(unmatched)s จาก %(rows)s แถว "
    "มีผู้ประกอบการหรือผลิตภัณฑ์ที่ทะเบียนในระบบไม่มี แบบฟอร์มอาจทำจากทะเบียนฉบับอื่น "
    "อำเภอแก้ในไฟล์นี้ไม่ได้ ผู้ดูแลระบบของจังหวัดเป็นผู้แก้ได้ (นำเข้าทะเบียนฉบับที่ตรงกัน) "
    "หรือดาวน์โหลดแบบฟอร์มใหม่จากระบบแล้วกรอกลงในแบบฟอร์มนั้น"
)
MSG_REGISTRY_UNKNOWN = gettext_lazy("ไม่ทราบวันที่ของทะเบียน")
MSG_MORE = gettext_lazy(
    "แสดง %(shown)s รายการแรกจาก %(count)s รายการ รายการทั้งหมดอยู่ในไฟล์ที่ดาวน์โหลดได้ด้านล่าง"
)
MSG_MORE_COMMAND = gettext_lazy(
    "แสดง %(shown)s รายการแรกจาก %(count)s รายการ ใช้ --problems FILE.xlsx เพื่อได้สำเนาไฟล์ที่ทำเครื่องหมายทุกช่องที่มีปัญหา"
)

#: The CSV of every problem: its header row.
CSV_HEADER = (
    gettext_lazy("แผ่นงาน"),
    gettext_lazy("แถว"),
    gettext_lazy("ช่อง"),
    gettext_lazy("หัวคอลัมน์"),
    gettext_lazy("ค่าที่พบ"),
    gettext_lazy("เหตุผล"),
)

_KIND_LABELS = {
    KIND_NOT_IN_REGISTRY: MSG_KIND_NOT_IN_REGISTRY,
    KIND_OTHER_DISTRICT: MSG_KIND_OTHER_DISTRICT,
    KIND_DUPLICATE: MSG_KIND_DUPLICATE,
}
_PROBLEM_FIELDS = {f.name for f in fields(Problem)}


@dataclass
class Refusal:
    """What a page or a command says about a refused file, most useful first."""

    problems: list[Problem]
    #: (label, count) of each kind of problem, the largest first.
    kinds: list[tuple[str, int]] = field(default_factory=list)
    #: What to do, said once (the file does not match the registry), or "".
    advice: str = ""

    @property
    def count(self) -> int:
        return len(self.problems)

    @property
    def headline(self) -> str:
        return str(MSG_HEADLINE % {"count": f"{self.count:,}", "n": self.count})

    @property
    def kind_lines(self) -> list[str]:
        return [str(MSG_KIND_COUNT % {"label": k, "count": f"{n:,}"}) for k, n in self.kinds]

    @property
    def shown(self) -> list[Problem]:
        return self.problems[:SHOWN_PROBLEMS]

    @property
    def rest(self) -> list[Problem]:
        return self.problems[SHOWN_PROBLEMS:]

    @property
    def hidden(self) -> int:
        return len(self.rest)

    @property
    def more(self) -> str:
        """The line that says the list was cut, or ""."""
        if self.count <= SHOWN_PROBLEMS:
            return ""
        return str(MSG_MORE % {"shown": SHOWN_PROBLEMS, "count": f"{self.count:,}"})

    def summary(self) -> str:
        """The headline, its kinds and the advice in one line (kept with a refused upload)."""
        parts = [self.headline]
        if self.kinds:
            parts.append(", ".join(self.kind_lines))
        text = " (".join(parts) + (")" if len(parts) > 1 else "")
        return f"{text} {self.advice}".strip()


def _kind_label(problem: Problem) -> str:
    if problem.kind in _KIND_LABELS:
        return str(_KIND_LABELS[problem.kind])
    if problem.column:
        header = f"({problem.header})" if problem.header else ""
        return str(MSG_KIND_COLUMN % {"column": problem.column, "header": header}).strip()
    if problem.row is not None:
        return str(MSG_KIND_ROW)
    return str(MSG_KIND_FILE)


def as_problem(item) -> Problem:
    """A Problem from itself or from its as_dict() (as an upload or a job keeps it)."""
    if isinstance(item, Problem):
        return item
    if isinstance(item, dict):
        return Problem(**{k: v for k, v in item.items() if k in _PROBLEM_FIELDS})
    return Problem(str(item))


def refusal_summarize(
    problems, *, rows: int | None = None, unmatched: int | None = None, registry: str = ""
) -> Refusal:
    """The refusal of these problems (Problems or their dicts). `rows` is how many data
    rows the file had, `unmatched` how many of them name what the registry lacks (by
    default the rows of such problems) and `registry` names the snapshot they were
    matched against (see ImportRefused)."""
    problems = [as_problem(p) for p in problems]
    kinds = Counter(_kind_label(p) for p in problems).most_common()
    if unmatched is None:
        unmatched = len({p.row for p in problems if p.kind == KIND_NOT_IN_REGISTRY})
    advice = ""
    if rows and rows >= MISMATCH_MIN_ROWS and unmatched * 2 > rows:
        advice = str(
            MSG_REGISTRY_MISMATCH
            % {
                "registry": registry or MSG_REGISTRY_UNKNOWN,
                "unmatched": f"{unmatched:,}",
                "rows": f"{rows:,}",
            }
        )
    return Refusal(problems, kinds, advice)


def refusal_of(exc: Exception) -> Refusal:
    """The refusal of an exception that refused a file, whichever way it was refused."""
    problems = getattr(exc, "problems", None)
    if problems is None:
        problems = [Problem(str(getattr(exc, "message", None) or exc))]
    return refusal_summarize(
        problems,
        rows=getattr(exc, "rows", None),
        unmatched=getattr(exc, "unmatched", None),
        registry=getattr(exc, "registry", ""),
    )


def refusal_of_form(form, field: str = "file") -> Refusal | None:
    """The refusal of an upload form whose file the checks refused (check_upload: too
    large, not a spreadsheet, over its budget), so that the page leads with the same
    headline as when the file's rows are refused; None when no file was refused (a
    missing file is the field's own error)."""
    if not form.is_bound or not form.files.get(field) or field not in form.errors:
        return None
    return refusal_summarize([Problem(str(message)) for message in form.errors[field]])


def refusal_lines(refusal: Refusal, *, command: bool = True) -> list[str]:
    """A refusal as lines of text: headline, kinds, advice, the first problems."""
    lines = [refusal.headline]
    lines += [f"  - {k}" for k in refusal.kind_lines]
    if refusal.advice:
        lines.append(refusal.advice)
    lines += [f"  {p}" for p in refusal.shown]
    if refusal.count > SHOWN_PROBLEMS:
        message = MSG_MORE_COMMAND if command else MSG_MORE
        lines.append(str(message % {"shown": SHOWN_PROBLEMS, "count": f"{refusal.count:,}"}))
    return lines


def problems_csv(problems) -> bytes:
    """Every problem as a CSV that Excel opens in Thai (UTF-8 with its mark)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in CSV_HEADER])
    for p in map(as_problem, problems):
        cell = f"{p.column}{p.row}" if p.column and p.row is not None else p.column
        row = "" if p.row is None else p.row
        writer.writerow([p.sheet, row, cell, p.header, _safe(p.value), _safe(p.message)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(text: str) -> str:
    """A value that Excel will not run as a formula (CSV injection)."""
    text = str(text or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
