"""Token login for API clients: POST username and password, get a token with an expiry."""

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import permissions, serializers, views
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle


def roles_of(user: User) -> list[str]:
    roles = sorted(
        user.groups.filter(name__in=["editor", "reviewer"]).values_list("name", flat=True)
    )
    return roles + (["staff"] if user.is_staff else [])


class TokenLoginView(views.APIView):
    """Exchange a username and password for an API token (send it as `Authorization: Token …`)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
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
        instance, token = AuthToken.objects.create(user)
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
