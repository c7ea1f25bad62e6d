"""What the management commands share: their options looked up, and a refused file told.

A command is a thin wrapper over a service. It looks up what its options name here (a
round in products.commands, a district or province in districts.commands), so that every
command says the same thing about an unknown round, district, province or file, and
reports a refused import the same way: every problem on stderr, then one line saying that
nothing changed. Never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

MSG_NO_FILE = _("ไม่พบไฟล์ %(path)s")
MSG_NOT_XLSX = _("ชื่อไฟล์ที่จะเขียนต้องลงท้ายด้วย .xlsx")
MSG_NO_FOLDER = _("ไม่พบโฟลเดอร์ %(path)s")
MSG_CANNOT_WRITE = _("เขียนไฟล์ %(path)s ไม่ได้: %(error)s")
MSG_NO_USER = _("ไม่พบผู้ใช้ %(username)s")
MSG_REFUSED = _("ไม่รับไฟล์ %(name)s: พบปัญหา %(count)s รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง")
MSG_REFUSED_BECAUSE = _("ไม่รับไฟล์ %(name)s: %(reason)s")


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


def refused(command, name: str, exc: Exception) -> CommandError:
    """The error that ends a command whose file was refused. An ImportRefused's
    problems (each with its sheet, cell or row, value and reason) go to stderr first."""
    problems = getattr(exc, "problems", None)
    if problems is not None:
        for problem in problems:
            command.stderr.write(f"  {problem}")
        return CommandError(MSG_REFUSED % {"name": name, "count": len(problems)})
    reason = getattr(exc, "message", None) or str(exc)
    return CommandError(MSG_REFUSED_BECAUSE % {"name": name, "reason": reason})
