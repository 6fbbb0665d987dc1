"""The workflow's refusals: a message for the person, a stable code for programs and tests.

Every refusal carries a snake_case ``code`` that names the rule that refused (``out_of_scope``,
``not_party``, ``plan_incomplete``, ``reason_required`` …). The code is part of the API
(``{"detail": message, "code": code, "errors": {...}}``): it stays the same when the wording of
the message or the language changes, so clients and tests compare codes, never sentences.
The class says what kind of refusal it is, and so the HTTP status.
"""


class WorkflowError(Exception):
    """A refused action, with a message for the user and a stable code.

    ``errors`` maps form or API field names to their messages (the same shape as a form's errors).
    """

    http_status = 400
    default_code = "invalid"

    def __init__(self, message, errors=None, *, code=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.code = code or self.default_code

    def __str__(self):
        return str(self.message)

    def __repr__(self):
        return f"{type(self).__name__}({self.code!r}: {str(self.message)!r})"


class ValidationFailed(WorkflowError):
    """Bad input: a missing or wrong value (HTTP 400)."""

    http_status = 400
    default_code = "invalid"


class NotPermitted(WorkflowError):
    """The actor's role or scope does not allow this (HTTP 403)."""

    http_status = 403
    default_code = "not_permitted"


class TransitionNotAllowed(WorkflowError):
    """Not allowed from the current status, e.g. someone else acted first (HTTP 409)."""

    http_status = 409
    default_code = "transition_not_allowed"
