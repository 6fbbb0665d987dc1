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
