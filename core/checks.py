"""Scheduled checks and their last result (core.models.CheckResult).

``run_verify_events()`` runs the ``verify_events`` command (the timeline's chain, keys and anchors) the
way an operator would, and keeps its outcome: the time, passed or not, and the command's message. The
beat schedule runs it nightly (``core.tasks.verify_events_task``); running the command by hand records
nothing. The admin index shows the last result; while it is a failure, managers, leaders and admins see
a banner on every page (``check_banner`` in home.context_processors), and a leader's home shows a small
line when it passed.
"""

import io
import logging

from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

logger = logging.getLogger(__name__)

VERIFY_EVENTS = "verify_events"


def run_verify_events():
    """Run ``verify_events``; store and return the CheckResult."""
    from core.models import CheckResult

    output = io.StringIO()
    try:
        call_command("verify_events", stdout=output, stderr=output, no_color=True)
    except CommandError as exc:
        ok, message = False, str(exc)
    except Exception as exc:  # the check could not run at all: that is a failure too, and says why
        logger.exception("verify_events could not run")
        ok, message = False, f"{type(exc).__name__}: {exc}"
    else:
        ok, message = True, output.getvalue().strip()
    if ok:
        logger.info("verify_events: %s", message)
    else:
        logger.error("verify_events FAILED: %s", message)
    result, _ = CheckResult.objects.update_or_create(
        name=VERIFY_EVENTS, defaults={"ran_at": timezone.now(), "ok": ok, "message": message[:4000]}
    )
    return result


def last_result(name=VERIFY_EVENTS):
    from core.models import CheckResult

    return CheckResult.objects.filter(name=name).first()
