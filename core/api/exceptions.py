"""API error bodies: the workflow's refusals become 400/403/409 with the service's message and code.

Settings: ``REST_FRAMEWORK["EXCEPTION_HANDLER"] = "core.api.exceptions.exception_handler"``.

A refusal (core.errors.WorkflowError) answers ``{"detail": message, "code": code, "errors": {field:
[messages]}}`` with the status of its class (400 bad input, 403 role or scope, 409 wrong status).
``code`` is the refusal's stable snake_case code (``not_party``, ``plan_incomplete`` …): compare
it, not the message. Each field of ``errors`` is also given at the top level, the shape of a
serializer's errors, so a client reads ``body[field]`` whichever layer refused the input. Messages
are rendered at request time, in the request's language.
"""

from django.db import DataError
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import WorkflowError


def _messages(value):
    return [str(message) for message in value] if isinstance(value, list | tuple) else [str(value)]


def workflow_error_body(exc):
    errors = {field: _messages(messages) for field, messages in (exc.errors or {}).items()}
    body = {"detail": str(exc.message), "code": exc.code, "errors": errors}
    for field, messages in errors.items():
        body.setdefault(field, messages)
    return body


def exception_handler(exc, context):
    if isinstance(exc, WorkflowError):
        set_rollback()
        return Response(workflow_error_body(exc), status=exc.http_status)
    if isinstance(exc, OverflowError):
        # A number too large for the database (SQLite raises this while binding an id from the query
        # string or the body; PostgreSQL answers "no such row") is bad input, not a server error.
        set_rollback()
        return Response(
            {"detail": _("输入的数值超出允许范围。"), "code": "number_out_of_range", "errors": {}}, status=400
        )
    if isinstance(exc, DataError) and "NUL" in str(exc):
        # PostgreSQL refuses a NUL byte in text; a value carrying one is bad input.
        set_rollback()
        return Response(
            {"detail": _("输入中含有不允许的空字符（NUL）。"), "code": "nul_character", "errors": {}}, status=400
        )
    return drf_exception_handler(exc, context)
