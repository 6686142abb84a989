"""Who may do what through the API.

- Anyone (also anonymous) reads: the data is meant to be public.
- Writes need the model permission, which the `editor` and `reviewer` groups carry
  (see claims/migrations: the groups and their permissions are data).
- Deleting claims and sources is for staff only.
- Staff users may do everything.
- A method an endpoint does not have answers 405 whoever asks.
"""

from rest_framework import permissions

STAFF_ONLY_DELETE = {"claims.claim", "sources.source"}


def handles(view, method: str) -> bool:
    """Whether `view` has a handler for `method` (as APIView.dispatch looks it up)."""
    name = method.lower()
    return name in view.http_method_names and hasattr(view, name)


class RolePermission(permissions.DjangoModelPermissionsOrAnonReadOnly):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS or not handles(view, request.method):
            # A method the endpoint does not have is a 405 for everyone (dispatch answers
            # it), not a 401/403 suggesting that another role could do it.
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.is_staff:
            return True
        queryset = self._queryset(view)
        label = queryset.model._meta.label_lower
        if request.method == "DELETE" and label in STAFF_ONLY_DELETE:
            return False
        required = getattr(view, "required_permissions", None)
        if required is not None:
            return user.has_perms(required)
        return super().has_permission(request, view)
