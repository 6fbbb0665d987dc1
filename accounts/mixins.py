"""Who may open a page: one mixin for the restricted pages (the data itself is scoped by visible_to).

A page names either the policy action it exists for (``action = Action.REGISTER_IMPORT``: the page
opens exactly for those the policy lets do it) or, for pages that only show, the ``roles`` that use
it. Both are read from accounts.policy: an inactive user or one without a role opens none of them.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from accounts.policy import allows, has_role


def refused(request, message, status=403):
    messages.error(request, message)
    return render(request, "refused.html", {"refusal": message}, status=status)


class RoleRequiredMixin(LoginRequiredMixin):
    """Only those the policy allows (``action``, else ``roles``; admins have every role) use the page;
    anyone else gets the refusal page (403)."""

    action = None
    roles = ()
    refusal_message = gettext_lazy("您的角色不能使用此页面。")

    def allowed(self, user):
        if self.action is not None:
            return allows(user, self.action)
        return has_role(user, self.roles)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.allowed(request.user):
            return refused(request, str(self.refusal_message))
        return super().dispatch(request, *args, **kwargs)
