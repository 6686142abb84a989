"""Who may do what through the API: the same Django permissions the admin asks for.

- Anyone (also anonymous) reads: the data is meant to be public.
- A write needs the model permission of its method (POST add, PUT/PATCH change, DELETE
  delete), or the permissions its action declares (`@action(required_permissions=[…])`, e.g.
  recording a review). The `editor` and `reviewer` groups carry them (claims/migrations: the
  groups and their permissions are data); deleting claims and sources is a permission of its
  own that no role group has.
- `is_staff` only lets a person into the admin site; it grants nothing here.
- A method an endpoint does not have answers 405 whoever asks.
"""

from rest_framework import permissions


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
        required = getattr(view, "required_permissions", None)
        if required is not None:
            return user.has_perms(required)
        return super().has_permission(request, view)
