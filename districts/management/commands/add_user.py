"""python manage.py add_user USERNAME --role officer|province|admin [--area DOPA_CODE] --password-stdin"""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from districts.scoping import Role
from districts.services import AccountError, user_create


class Command(BaseCommand):
    help = (
        "Create a portal account: a district officer (--area 4-digit district code), "
        "provincial staff (--area 2-digit province code) or an administrator. "
        "The password is read from standard input."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--area", help="DOPA code: a district (officer) or province (province)")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            required=True,
            help="read the password from the first line of standard input",
        )

    def handle(self, *args, **options):
        stdin = options.get("stdin") or sys.stdin
        password = stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError(_("ไม่ได้รับรหัสผ่านทาง standard input"))
        try:
            user = user_create(
                username=options["username"],
                role=options["role"],
                area_code=options["area"],
                password=password,
                email=options["email"],
            )
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        area = user.area
        self.stdout.write(
            self.style.SUCCESS(
                _("สร้างผู้ใช้ %(username)s (%(role)s%(area)s)")
                % {
                    "username": user.username,
                    "role": user.get_role_display(),
                    "area": f" {area}" if area else "",
                }
            )
        )
