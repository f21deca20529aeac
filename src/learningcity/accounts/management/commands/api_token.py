"""`learningcity api_token USERNAME NAME`: make an API token for a user and print its key, once.

`--revoke` deletes the user's tokens of that name instead.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.accounts.models import ApiToken, User
from learningcity.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for USERNAME named NAME and print its key (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the account the token acts as")
        parser.add_argument("name", help="what the token is for, e.g. 'commune import script'")
        parser.add_argument("--revoke", action="store_true", help="delete the user's tokens of this name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"There is no user {options['username']!r}.") from exc
        name = options["name"].strip()
        if not name:
            raise CommandError("Give the token a name.")
        if options["revoke"]:
            deleted, _by_model = ApiToken.objects.filter(user=user, name=name).delete()
            if not deleted:
                raise CommandError(f"{user.username} has no token named {name!r}.")
            self.stderr.write(f"Revoked {deleted} token(s) named {name!r} of {user.username}.")
            return
        if not user.is_active:
            raise CommandError(f"The user {user.username!r} is inactive; a token would not work.")
        token, key = api_token_create(user=user, name=name[:100])
        # The key alone on stdout, so scripts can capture it; the advice on stderr.
        self.stdout.write(key)
        self.stderr.write(
            f"Token {token.name!r} ({token.prefix}…) for {user.username}: store the key now, "
            "it is not shown again. Send it as 'Authorization: Bearer <key>'."
        )
