"""Who may call which API action: the one policy (accounts.policy), asked by the viewset's action.

A viewset names the policy action of each of its DRF actions in ``policy_actions``
(``{"assign": Action.TICKET_ASSIGN, …}``); actions not named are open to every authenticated user
(reads, which ``visible_to`` scopes). Order of the answers, the same for every action:

1. 401 without credentials (IsAuthenticated);
2. 404 for an object outside the caller's scope: the object is looked up through the scoped
   queryset before any permission is asked, so a foreign object answers like a missing one;
3. 403 when the policy refuses the caller (role, party, grid …), with the policy's code;
4. 400 for bad input (the serializer, then the service);
5. 409 when the object's status does not allow the action: the service asks the policy again on
   the locked row, after the input was read.
"""

from rest_framework.permissions import BasePermission

from accounts.policy import check
from core.errors import NotPermitted


def require_permitted(user, action, obj=None, *, in_scope=True):
    """Raise the policy's NotPermitted (403) for ``action``; the object's state is left to the service."""
    error = check(user, action, obj, in_scope=in_scope, state=False).error
    if isinstance(error, NotPermitted):
        raise error


class PolicyPermission(BasePermission):
    """Asks accounts.policy about the view's ``policy_actions``: ``{DRF action: policy Action}``.

    Collection actions (create, aggregate) are judged on the actor in ``has_permission``; actions on
    one object in ``has_object_permission``, i.e. after the object was found in the caller's scope.
    A refusal raises the policy's error, so the body carries its ``code``.
    """

    def _action(self, view):
        return getattr(view, "policy_actions", {}).get(getattr(view, "action", None))

    def has_permission(self, request, view):
        action = self._action(view)
        if action is not None and not getattr(view, "detail", False):
            require_permitted(request.user, action)
        return True

    def has_object_permission(self, request, view, obj):
        action = self._action(view)
        if action is not None and getattr(view, "detail", False):
            require_permitted(request.user, action, obj)
        return True
