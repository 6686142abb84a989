"""API tokens: login, logout, a cap per user, and revocation when the credentials change.

- `POST /api/v1/auth/token/` exchanges a username and password for a token (`token_create`).
- `POST /api/v1/auth/logout/` revokes the token it is sent with; `logoutall/` every token of
  its user.
- A user holds at most REST_KNOX["TOKEN_LIMIT_PER_USER"] live tokens: a login beyond that
  revokes the user's oldest tokens (the person who knows the password can always log in; the
  number of tokens in circulation stays bounded).
- Changing a password or deactivating an account revokes every token of that user, on every
  path that saves the user (admin, `changepassword`, code): see `connect_token_revocation`.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import permissions, serializers, views
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response

from claimtrack.clients import LoginRateThrottle


def roles_of(user: User) -> list[str]:
    roles = sorted(
        user.groups.filter(name__in=["editor", "reviewer"]).values_list("name", flat=True)
    )
    return roles + (["staff"] if user.is_staff else [])


def lockout_username(request, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username django-axes counts a failure under, as given but
    cut to the 255 characters its table holds (a longer one was a 500 on PostgreSQL; no account
    has one: usernames are at most 150 characters)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    return username[:255] if isinstance(username, str) else None


@transaction.atomic
def token_create(*, user) -> tuple[AuthToken, str]:
    """A new token for `user` (the instance and the token text, shown once), after revoking
    the user's oldest tokens beyond TOKEN_LIMIT_PER_USER - 1."""
    # The user's row lock makes concurrent logins of one user take turns (PostgreSQL), so
    # together they cannot leave more tokens than the cap.
    get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
    kept = knox_settings.TOKEN_LIMIT_PER_USER - 1
    newest_first = AuthToken.objects.filter(user=user).order_by("-created", "-digest")
    revoked = list(newest_first.values_list("digest", flat=True)[kept:])
    if revoked:
        AuthToken.objects.filter(digest__in=revoked).delete()
    return AuthToken.objects.create(user)


class TokenLoginView(views.APIView):
    """Exchange a username and password for an API token (send it as `Authorization: Token …`)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        operation_id="login",
        summary="Log in: a token for a username and password",
        request=AuthTokenSerializer,
        responses=inline_serializer(
            "TokenLogin",
            {
                "token": serializers.CharField(),
                "expiry": serializers.DateTimeField(),
                "username": serializers.CharField(),
                "roles": serializers.ListField(child=serializers.CharField()),
            },
        ),
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        instance, token = token_create(user=user)
        # As a session login does: records last_login and clears django-axes' failure count.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response(
            {
                "token": token,
                "expiry": instance.expiry,
                "username": user.get_username(),
                "roles": roles_of(user),
            }
        )


class TokenLogoutView(knox_views.LogoutView):
    """Revoke the token this request is sent with (204); other tokens stay valid."""

    @extend_schema(
        operation_id="logout",
        summary="Log out: revoke this token",
        request=None,
        responses={204: None},
    )
    def post(self, request, format=None):
        return super().post(request, format)


class TokenLogoutAllView(knox_views.LogoutAllView):
    """Revoke every token of this request's user, this one included (204)."""

    @extend_schema(
        operation_id="logout_all",
        summary="Log out everywhere: revoke every token of this account",
        request=None,
        responses={204: None},
    )
    def post(self, request, format=None):
        return super().post(request, format)


# --- revocation when credentials change ---------------------------------------------------

_REVOKE = "_claimtrack_revoke_tokens"


def _credentials_changing(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """pre_save of the user model: note whether this save changes the password or
    deactivates the account."""
    setattr(instance, _REVOKE, False)
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login on every login: no query
    before = sender._default_manager.filter(pk=instance.pk).values("password", "is_active")
    before = before.first()
    if before is None:
        return
    # set_password() keeps the new raw password until the save (Django's own marker of a
    # password change; a hash upgrade at login clears it); set_unusable_password() does not.
    new_password = instance._password is not None or (
        before["password"] != instance.password and not instance.has_usable_password()
    )
    deactivated = before["is_active"] and not instance.is_active
    setattr(instance, _REVOKE, new_password or deactivated)


def _revoke_tokens(sender, instance, raw=False, **kwargs) -> None:
    """post_save of the user model: revoke every token when the credentials changed."""
    if getattr(instance, _REVOKE, False):
        AuthToken.objects.filter(user=instance).delete()
        setattr(instance, _REVOKE, False)


def connect_token_revocation() -> None:
    user_model = get_user_model()
    pre_save.connect(_credentials_changing, sender=user_model, dispatch_uid=_REVOKE + "_pre")
    post_save.connect(_revoke_tokens, sender=user_model, dispatch_uid=_REVOKE + "_post")
