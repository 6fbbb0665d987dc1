"""API error bodies: the workflow's refusals become 400/403/409 with the service's message.

Settings: ``REST_FRAMEWORK["EXCEPTION_HANDLER"] = "core.api.exceptions.exception_handler"``.

Bodies: ``{"detail": message}``, plus ``"code"`` for workflow errors and, for bad input, one key per
field with a list of messages (the same shape as a serializer's errors). Messages are rendered at
request time, in the request's language.
"""

from django.db import DataError
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import NotPermitted, TransitionNotAllowed, WorkflowError

CODES = {TransitionNotAllowed: "transition_not_allowed", NotPermitted: "permission_denied"}


def workflow_error_body(exc):
    body = {"detail": str(exc.message), "code": CODES.get(type(exc), "invalid")}
    for field, messages in (exc.errors or {}).items():
        if field in body:
            continue
        if isinstance(messages, list | tuple):
            body[field] = [str(message) for message in messages]
        else:
            body[field] = [str(messages)]
    return body


def exception_handler(exc, context):
    if isinstance(exc, WorkflowError):
        set_rollback()
        return Response(workflow_error_body(exc), status=exc.http_status)
    if isinstance(exc, OverflowError):
        # A number too large for the database (SQLite raises this while binding an id from the query
        # string or the body; PostgreSQL answers "no such row") is bad input, not a server error.
        set_rollback()
        return Response({"detail": _("输入的数值超出允许范围。"), "code": "invalid"}, status=400)
    if isinstance(exc, DataError) and "NUL" in str(exc):
        # PostgreSQL refuses a NUL byte in text; a value carrying one is bad input.
        set_rollback()
        return Response({"detail": _("输入中含有不允许的空字符（NUL）。"), "code": "invalid"}, status=400)
    return drf_exception_handler(exc, context)
