"""Who may open a page: one mixin for the role-restricted pages (the data itself is scoped by visible_to)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from accounts.policy import is_admin


def refused(request, message, status=403):
    messages.error(request, message)
    return render(request, "refused.html", {"refusal": message}, status=status)


class RoleRequiredMixin(LoginRequiredMixin):
    """Only the listed roles (and superusers) use the page; anyone else gets the refusal page (403)."""

    roles = ()
    refusal_message = gettext_lazy("您的角色不能使用此页面。")

    def allowed(self, user):
        return is_admin(user) or user.role in self.roles

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.allowed(request.user):
            return refused(request, str(self.refusal_message))
        return super().dispatch(request, *args, **kwargs)
