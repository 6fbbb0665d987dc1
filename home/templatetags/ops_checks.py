"""The nightly ``verify_events`` result on the pages (core.checks): ``{% event_check as check %}`` gives the
last CheckResult to managers, leaders and admins (None for everyone else, or before the first run)."""

from django import template
from django.db import DatabaseError

from accounts.choices import Role
from accounts.policy import has_role
from core.checks import last_result

register = template.Library()


@register.simple_tag(takes_context=True)
def event_check(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    try:
        if user is None or not (has_role(user, (Role.MANAGER, Role.LEADER)) or getattr(user, "is_staff", False)):
            return None
        if not hasattr(request, "_event_check"):  # one query per request, however many templates ask
            request._event_check = last_result()
    except DatabaseError:  # the "service unavailable" page, rendered while the database is down
        return None
    return request._event_check
