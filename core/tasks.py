"""Tasks of the accounts app. The heartbeat lets a person (or a test) see that a Celery worker runs."""

from datetime import datetime
from pathlib import Path

from celery import shared_task
from django.conf import settings


@shared_task
def touch_heartbeat_task(name="heartbeat"):
    """Write the current time to VAR_DIR/<name>; returns the file's path."""
    safe_name = Path(name).name or "heartbeat"
    path = Path(settings.VAR_DIR) / safe_name
    path.write_text(datetime.now().astimezone().isoformat())
    return str(path)


@shared_task
def purge_idempotency_keys_task():
    """Forget the client keys of requests older than IDEMPOTENCY_KEEP_DAYS; returns how many."""
    from core.idempotency import purge

    return purge()


@shared_task
def verify_events_task():
    """Run ``verify_events`` and keep its result for the admin index and the managers' and leaders' pages
    (core.checks); returns whether it passed."""
    from core.checks import run_verify_events

    return run_verify_events().ok
