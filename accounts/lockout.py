"""Locking out repeated failed sign-ins (django-axes, counted in the database: no Redis needed).

Every password sign-in goes through ``django.contrib.auth.authenticate`` — the login form, the admin's
login and the API token endpoint — and so through axes' backend, which refuses a locked-out username or
address before the password is checked. Two separate counts, each over the last
``LOGIN_LOCKOUT_MINUTES``: failures for one username (``LOGIN_FAILURE_LIMIT``, 20) and failures from
one client address (``LOGIN_ADDRESS_FAILURE_LIMIT``, higher: an office behind one NAT address shares
it). So 20 wrong passwords for one account lock that account, while a colleague at the next desk still
signs in.

A lockout is logged (logger ``accounts.lockout``) and kept in axes' tables (访问尝试 / 访问失败日志 in
the admin); an admin unlocks an account from the user list (action 解除锁定) or by deleting its
access attempts.
"""

import logging

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.dispatch import receiver
from django.forms.utils import ErrorDict
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def lockout_message():
    return _("登录失败次数过多，该账号或地址已被暂时锁定。请 %(minutes)d 分钟后再试，或联系系统管理员解除锁定。") % {
        "minutes": settings.LOGIN_LOCKOUT_MINUTES
    }


class LockoutBackend(AxesStandaloneBackend):
    """axes' backend (refuses a locked-out username or address before the password is checked), for
    sign-ins that come with a request: every sign-in page and the API pass theirs. A call without one
    (Django's test client, a shell) has no address to count and is left to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a limit per username and a (higher) limit per address.

    axes compares one number with ``AXES_FAILURE_LIMIT``; this handler reports the username's failures,
    or the limit itself once the address has reached its own limit.
    """

    def get_failures(self, request, credentials=None):
        # One queryset per AXES_LOCKOUT_PARAMETERS entry: [["username"], ["ip_address"]].
        by_username, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_username, settings.LOGIN_FAILURE_LIMIT)
        return by_username


def lockout_response(request, original_response=None, credentials=None):
    """The answer to a locked-out sign-in: the login page it came from, with the message in its form."""
    message = lockout_message()
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if isinstance(original_response, TemplateResponse) and form is not None:
        form._errors = ErrorDict({"__all__": form.error_class([message], error_class="nonfield")})
        response = TemplateResponse(
            request, original_response.template_name, context, status=settings.AXES_HTTP_RESPONSE_CODE
        )
        return response.render()
    return JsonResponse({"detail": message}, status=settings.AXES_HTTP_RESPONSE_CODE)


@receiver(user_locked_out)
def log_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    path = getattr(request, "path", "") if request is not None else ""
    logger.warning(
        "Sign-in locked out after repeated failures: username=%r address=%s path=%s", username, ip_address, path
    )
