class WorkflowError(Exception):
    """A refused action, with a message for the user."""

    http_status = 400

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def __str__(self):
        return str(self.message)


class ValidationFailed(WorkflowError):
    """Bad input: a missing or wrong value (HTTP 400)."""

    http_status = 400


class NotPermitted(WorkflowError):
    """The actor's role or scope does not allow this (HTTP 403)."""

    http_status = 403


class TransitionNotAllowed(WorkflowError):
    """Not allowed from the current status, e.g. someone else acted first (HTTP 409)."""

    http_status = 409
