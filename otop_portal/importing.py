"""What every import reports, and how.

Imports follow pretix's three phases: read and clean every row, collecting a Problem
for each bad cell; if there is any problem, stop and refuse the whole file with all of
them (ImportRefused); only then build the objects and save them in one transaction.
A refused file therefore changes nothing. Every Problem names the sheet, the row
(as Excel numbers it), the column (its letter and header), the value and the reason, and its kind when the refusal
groups it (otop_portal.refusal: the headline counts problems of each kind).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

#: Kinds of Problem that the refusal's headline counts apart (otop_portal.refusal). A
#: problem without a kind is counted by its column.
KIND_NOT_IN_REGISTRY = "not_in_registry"  # an entrepreneur or product the registry lacks
KIND_OTHER_DISTRICT = "other_district"  # an entrepreneur of another district
KIND_DUPLICATE = "duplicate"  # a product listed twice


@dataclass
class Problem:
    message: str
    sheet: str = ""
    row: int | None = None  # 1-based, as Excel shows it
    column: str = ""  # a letter such as "K", or "" when the problem is the whole row/file
    header: str = ""
    value: str = ""
    kind: str = ""

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(_("แผ่นงาน %(sheet)s") % {"sheet": self.sheet})
        if self.row is not None:
            where.append(_("แถว %(row)s") % {"row": self.row})
        if self.column:
            col = f"{self.column}{self.row}" if self.row is not None else self.column
            where.append(_("ช่อง %(cell)s") % {"cell": col})
        if self.header:
            where.append(f"({self.header})")
        prefix = " ".join(where)
        return f"{prefix}: {self.message}" if prefix else str(self.message)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["message"] = str(self.message)
        return d


@dataclass
class Notice:
    """Something a reader did that the user should know, such as reading กุซาง as ภูซาง."""

    message: str
    row: int | None = None
    column: str = ""

    def __str__(self) -> str:
        if self.row is not None:
            cell = f"{self.column}{self.row}" if self.column else str(self.row)
            return _("แถว/ช่อง %(cell)s: %(message)s") % {"cell": cell, "message": self.message}
        return str(self.message)


class ImportRefused(Exception):
    """The file was refused; nothing was written. `problems` lists every reason; `rows`
    is how many data rows the file had, `unmatched` how many of them name what the
    registry lacks, and `registry` names the registry snapshot the
    rows were matched against (both optional), so that the refusal can say when the
    file does not match the registry at all (otop_portal.refusal)."""

    def __init__(
        self,
        problems: list[Problem],
        *,
        rows: int | None = None,
        unmatched: int | None = None,
        registry: str = "",
    ):
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems
        self.rows = rows
        #: Rows naming an entrepreneur or product the registry lacks (a reader that
        #: tells an unknown entrepreneur once counts all its rows here); None: the
        #: rows of such problems.
        self.unmatched = unmatched
        self.registry = registry


@dataclass
class ProblemCollector:
    """Collects problems while reading; `raise_if_any` ends phase 2."""

    sheet: str = ""
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    limit: int = 1000
    #: Set by a planner that matches rows against the registry (see ImportRefused).
    rows: int | None = None
    unmatched: int | None = None
    registry: str = ""

    def add(self, message, *, row=None, column="", header="", value="", kind="") -> None:
        if len(self.problems) < self.limit:
            self.problems.append(
                Problem(str(message), self.sheet, row, column, str(header), _str(value), kind)
            )

    def notice(self, message, *, row=None, column="") -> None:
        self.notices.append(Notice(str(message), row, column))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ImportRefused(
                self.problems, rows=self.rows, unmatched=self.unmatched, registry=self.registry
            )


def _str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
