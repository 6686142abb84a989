import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.workflow import ROLE_GROUPS
from claimtrack.auth import token_create


class Command(BaseCommand):
    help = (
        "Create an account with a role (editor or reviewer): it logs in to the admin with the "
        "password given (asked for, or read from stdin with --password-stdin) and gets a new "
        "API token, printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLE_GROUPS, required=True)
        parser.add_argument("--email", default="")
        how = parser.add_mutually_exclusive_group()
        how.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input (for scripts).",
        )
        how.add_argument(
            "--api-only",
            action="store_true",
            help="No password and no admin login: an account for API scripts only.",
        )

    def handle(self, *args, username, role, email, password_stdin, api_only, **options):
        username = username.strip()
        if not username or len(username) > 150:
            raise CommandError("username: give 1 to 150 characters.")
        user_model = get_user_model()
        if user_model.objects.filter(username=username).exists():
            raise CommandError(f"username: a user {username!r} exists already.")
        try:
            group = Group.objects.get(name=role)
        except Group.DoesNotExist:
            raise CommandError(f"The {role!r} group is missing: run `manage.py migrate`.") from None
        password = None if api_only else self._password(password_stdin)
        if password is not None:
            candidate = user_model(username=username, email=email)
            try:
                validate_password(password, candidate)
            except ValidationError as error:
                raise CommandError("password: " + " ".join(error.messages)) from None
        with transaction.atomic():
            # Staff: the admin lets them in; their role's permissions say what they may do
            # there, exactly as in the API.
            user = user_model.objects.create_user(
                username=username, email=email, password=password, is_staff=not api_only
            )
            user.groups.add(group)
            instance, token = token_create(user=user)
        where = "API only" if api_only else "logs in to the admin at /admin/ with that password"
        self.stdout.write(f"Created {role} {username!r} ({where}). API token (shown once):")
        self.stdout.write(token)
        self.stdout.write(
            f"Use it as: Authorization: Token {token}  (expires {instance.expiry:%Y-%m-%d})"
        )

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("password: standard input gave an empty first line.")
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                "password: no terminal to ask for it; give it on standard input with "
                "--password-stdin (or make an API-only account with --api-only)."
            )
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("password: the two passwords differ; nothing was created.")
        if not password:
            raise CommandError("password: give one (or make an API-only account with --api-only).")
        return password
