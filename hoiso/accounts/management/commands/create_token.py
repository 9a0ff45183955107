"""Print a new personal access token for a user (for scripts)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hoiso.accounts.models import User
from hoiso.accounts.services import token_create


class Command(BaseCommand):
    help = "Creates a personal API token for USERNAME and prints it (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="script", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"Không có tài khoản {options['username']}", returncode=2)
        _token, raw = token_create(actor=None, user=user, name=options["name"])
        self.stdout.write(raw)
