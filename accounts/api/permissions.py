"""Who may call which API action: by role only. Scope is never decided here.

Scope comes from ``visible_to(user)`` on every viewset's queryset (a foreign object is a 404
before any role check runs); the workflow services check role and scope again.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.choices import Role

ALL_ROLES = tuple(Role.values)


def has_role(user, roles):
    """Superusers may do anything; everyone else needs one of ``roles``."""
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in roles))


class ActionRolePermission(BasePermission):
    """Checks the view's ``action_roles``: ``{action: (role, …)}``; actions not listed are open to all.

    Collection actions (create, aggregate) are checked in ``has_permission``; actions on one
    object in ``has_object_permission``, i.e. after the object was found in the caller's scope,
    so a foreign object answers 404 whatever the caller's role.
    """

    message = _("您的角色不能执行此操作。")

    def _roles(self, view):
        return getattr(view, "action_roles", {}).get(getattr(view, "action", None))

    def has_permission(self, request, view):
        roles = self._roles(view)
        if roles is None or getattr(view, "detail", False):
            return True
        return has_role(request.user, roles)

    def has_object_permission(self, request, view, obj):
        roles = self._roles(view)
        if roles is None or not getattr(view, "detail", False):
            return True
        return has_role(request.user, roles)
