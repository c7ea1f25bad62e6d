"""What the management commands share: their options looked up, and a refused file told.

A command is a thin wrapper over a service. It looks up what its options name here (a
round in products.commands, a district or province in districts.commands), so that every command says the same thing about an unknown round, district, province or
file, and reports a refused import the same way (otop_portal.refusal): on stderr a
headline with how many problems of each kind, what to do when the file does not match
the registry, at most 20 problems; then one line saying that nothing changed. With
`--problems FILE.xlsx` a marked-up copy of the file is written, each problem cell
filled and commented. Never a traceback.

The commands that import a district's filled form share products.commands'
DistrictImportCommand.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from otop_portal.problem_marks import problems_workbook_write
from otop_portal.refusal import refusal_lines, refusal_of

MSG_NO_FILE = _("ไม่พบไฟล์ %(path)s")
MSG_NOT_XLSX = _("ชื่อไฟล์ที่จะเขียนต้องลงท้ายด้วย .xlsx")
MSG_NO_FOLDER = _("ไม่พบโฟลเดอร์ %(path)s")
MSG_CANNOT_WRITE = _("เขียนไฟล์ %(path)s ไม่ได้: %(error)s")
MSG_NO_USER = _("ไม่พบผู้ใช้ %(username)s")
MSG_REFUSED = ngettext_lazy(
    "ไม่รับไฟล์ %(name)s: พบปัญหา %(count)s รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง",
    "ไม่รับไฟล์ %(name)s: พบปัญหา %(count)s รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง",
    "count",
)
MSG_REFUSED_BECAUSE = _("ไม่รับไฟล์ %(name)s: %(reason)s")
MSG_PROBLEMS_WRITTEN = ngettext_lazy(
    "เขียนสำเนาไฟล์ที่ทำเครื่องหมายช่องที่มีปัญหา %(count)s ช่องไว้ที่ %(path)s",
    "เขียนสำเนาไฟล์ที่ทำเครื่องหมายช่องที่มีปัญหา %(count)s ช่องไว้ที่ %(path)s",
    "count",
)
MSG_PROBLEMS_NONE = _("ปัญหาของไฟล์นี้ไม่ได้อยู่ที่ช่องใด จึงไม่ได้เขียน %(path)s")
PROBLEMS_HELP = (
    "if the file is refused, write a copy of it to FILE (.xlsx) with each problem cell "
    "filled and commented with the reason"
)


def input_file(value) -> Path:
    path = Path(value)
    if not path.is_file():
        raise CommandError(MSG_NO_FILE % {"path": path})
    return path


def output_file(value, *, suffix: str = ".xlsx") -> Path:
    """The file a command writes: with the right suffix, in a folder that exists."""
    path = Path(value)
    if suffix and path.suffix.lower() != suffix:
        raise CommandError(MSG_NOT_XLSX)
    if not path.parent.is_dir():
        raise CommandError(MSG_NO_FOLDER % {"path": path.parent})
    return path


def cannot_write(path: Path, exc: Exception) -> CommandError:
    return CommandError(
        MSG_CANNOT_WRITE % {"path": path, "error": getattr(exc, "strerror", None) or exc}
    )


def user_option(username: str | None):
    """The user an import is recorded under, or None when the option is not given."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(MSG_NO_USER % {"username": username})
    return user


def problems_argument(parser) -> None:
    parser.add_argument("--problems", metavar="FILE", help=PROBLEMS_HELP)


def problems_option(value) -> Path | None:
    """The --problems file, checked before anything is imported."""
    return output_file(value) if value else None


def refused(
    command, name: str, exc: Exception, *, source: Path | None = None, problems: Path | None = None
) -> CommandError:
    """The error that ends a command whose file was refused. An ImportRefused's
    refusal (headline, what to do, the first problems with their sheet, cell or row,
    value and reason) goes to stderr first; with `problems`, the marked-up copy of
    `source` is written there."""
    if getattr(exc, "problems", None) is None:
        reason = getattr(exc, "message", None) or str(exc)
        return CommandError(MSG_REFUSED_BECAUSE % {"name": name, "reason": reason})
    refusal = refusal_of(exc)
    for line in refusal_lines(refusal):
        command.stderr.write(line)
    if problems is not None and source is not None:
        _problems_write(command, refusal.problems, source=source, path=problems)
    return CommandError(MSG_REFUSED % {"name": name, "count": refusal.count})


def _problems_write(command, problems, *, source: Path, path: Path) -> None:
    if not any(p.row is not None for p in problems):
        command.stderr.write(str(MSG_PROBLEMS_NONE % {"path": path}))
        return
    try:
        count = problems_workbook_write(
            str(path), data=source.read_bytes(), problems=problems, name=source.name
        )
    except OSError as exc:
        raise cannot_write(path, exc) from None
    command.stderr.write(str(MSG_PROBLEMS_WRITTEN % {"count": count, "path": path}))
