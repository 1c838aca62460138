"""volia user: staff accounts from the command line (every change goes to the audit log)."""

from __future__ import annotations

import json
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from volia.accounts import roles, services
from volia.registry.management.commands._common import cli_actor


def _messages(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


class Command(BaseCommand):
    help = ("Staff accounts: add, role, password, disable, enable, reset-2fa, list. "
            "Roles: " + ", ".join(roles.STAFF_ROLES) + ".")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = sub.add_parser("add", help="create a staff account; prints a generated password once")
        add.add_argument("name")
        add.add_argument("--role", required=True, choices=roles.STAFF_ROLES)
        add.add_argument("--password-stdin", action="store_true",
                         help="read the password from the first line of standard input instead of generating one")
        add.add_argument("--reason", default="")
        role = sub.add_parser("role", help="give an account another role")
        role.add_argument("name")
        role.add_argument("role", choices=roles.STAFF_ROLES)
        role.add_argument("--reason", default="")
        password = sub.add_parser("password", help="set a new password (generated and printed once, "
                                                   "or read with --password-stdin)")
        password.add_argument("name")
        password.add_argument("--password-stdin", action="store_true")
        password.add_argument("--reason", default="")
        for action, text in (("disable", "stop an account from logging in (keeps its history)"),
                             ("enable", "let a disabled account log in again")):
            p = sub.add_parser(action, help=text)
            p.add_argument("name")
            p.add_argument("--reason", default="")
        reset = sub.add_parser("reset-2fa", help="remove an account's authenticator and recovery codes; "
                                                 "it enrols again at the next log-in")
        reset.add_argument("name")
        reset.add_argument("--reason", default="")
        listing = sub.add_parser("list", help="every account, its role and second-factor state")
        listing.add_argument("--json", action="store_true")

    @no_translations  # one language on the command line, like the command's own messages
    def handle(self, *args, **o):
        actor = cli_actor()
        try:
            if o["action"] == "list":
                return self._list(o["json"])
            if o["action"] == "add":
                generated = not o["password_stdin"]
                password = services.generate_password() if generated else self._read_password()
                user = services.create_user(o["name"], o["role"], password=password, actor=actor, reason=o["reason"])
                self.stdout.write(f"created {user.get_username()} ({o['role']})")
                if generated:
                    self.stdout.write(f"password: {password}\n(shown once; the user sets up the second factor at "
                                      f"the first log-in)")
                return None
            user = self._user(o["name"])
            if o["action"] == "role":
                before = services.set_role(user, o["role"], actor=actor, reason=o["reason"])
                self.stdout.write(f"{user.get_username()}: {before} -> {o['role']}")
            elif o["action"] == "password":
                generated = not o["password_stdin"]
                password = services.generate_password() if generated else self._read_password()
                services.set_password(user, password, actor=actor, reason=o["reason"])
                self.stdout.write(f"password of {user.get_username()} changed" +
                                  (f"\npassword: {password}\n(shown once)" if generated else ""))
            elif o["action"] in ("disable", "enable"):
                services.set_active(user, o["action"] == "enable", actor=actor, reason=o["reason"])
                self.stdout.write(f"{user.get_username()} {o['action']}d")
            elif o["action"] == "reset-2fa":
                had = services.reset_second_factor(user, actor=actor, reason=o["reason"])
                self.stdout.write(f"second factor of {user.get_username()} reset" if had else
                                  f"{user.get_username()} had no authenticator; recovery codes (if any) removed")
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        return None

    def _user(self, name: str):
        User = get_user_model()
        try:
            return User.objects.get(username=name)
        except User.DoesNotExist:
            raise CommandError(f"no user named {name!r} (see `volia user list`)") from None

    def _read_password(self) -> str:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise CommandError("--password-stdin: standard input held no password (expected it on the first line)")
        return password

    def _list(self, as_json: bool) -> None:
        users = services.list_users()
        if as_json:
            self.stdout.write(json.dumps(users, ensure_ascii=False, indent=2))
            return
        if not users:
            self.stdout.write("no accounts (create one with `volia user add NAME --role ROLE`)")
            return
        width = max(len(u["username"]) for u in users)
        for u in users:
            state = "2FA" if u["second_factor"] else "no 2FA"
            self.stdout.write(f"{u['username']:<{width}}  {u['role']:<13}  {'active' if u['active'] else 'disabled':<8}"
                              f"  {state:<6}  recovery codes left: {u['recovery_codes_left']}")
