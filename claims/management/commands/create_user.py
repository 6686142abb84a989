from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claimtrack.auth import token_create

ROLES = ("editor", "reviewer")


class Command(BaseCommand):
    help = "Create an account with a role (editor or reviewer) and print a new API token for it."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, required=True)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--staff", action="store_true", help="Also let the user into the admin site."
        )

    @transaction.atomic
    def handle(self, *args, username, role, email, staff, **options):
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
        user = user_model.objects.create_user(username=username, email=email, is_staff=staff)
        user.set_unusable_password()  # API-only until someone sets a password
        user.save()
        user.groups.add(group)
        instance, token = token_create(user=user)
        self.stdout.write(f"Created {role} {username!r}. API token (shown once):")
        self.stdout.write(token)
        self.stdout.write(
            f"Use it as: Authorization: Token {token}  (expires {instance.expiry:%Y-%m-%d})"
        )
