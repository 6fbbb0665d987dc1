"""Requests that may arrive more than once record one change: the phone's outbox, a double tap, a
client retrying after a lost answer.

The client names each change with a key it makes (a UUID): the field pages send it as the form field
``client_id``, API clients as the ``Idempotency-Key`` header. ``run_once`` keeps the first answer under
(user, key) in the same transaction as the change, so:

- a repeat of a done request gets the first answer again and changes nothing;
- two copies arriving together: the second waits on the key's unique index until the first commits,
  then gets its answer (PostgreSQL; SQLite writes one at a time anyway);
- a refused request keeps no key (its transaction rolls back), so the client may fix and send again;
- the same key with a different request (other fields or files) is refused: ``KeyReused`` (422).

A key is kept for ``IDEMPOTENCY_KEEP_DAYS`` (``purge_idempotency_keys``).
"""

import hashlib
import json
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed, WorkflowError
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
FORM_FIELD = "client_id"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Fields that differ between two copies of the same request and do not change what it asks.
IGNORED_FIELDS = {"csrfmiddlewaretoken"}


class KeyReused(WorkflowError):
    """The key was used for a different request (HTTP 422)."""

    http_status = 422
    default_code = "idempotency_key_reused"


def request_key(request):
    """The client's key for this request (header first, then the form field), or "" when none was sent.
    A malformed key is refused: a key the server cannot keep must not be silently dropped."""
    key = (request.headers.get(HEADER) or request.POST.get(FORM_FIELD) or "").strip()
    if key and not KEY_PATTERN.match(key):
        message = _("请求标识（Idempotency-Key）须为 8–64 位字母、数字、“-”或“_”。")
        raise ValidationFailed(message, {FORM_FIELD: [message]}, code="idempotency_key_invalid")
    return key


def fingerprint(scope, data, files=None):
    """A digest of what the request asks: its scope, its fields and its files' contents."""
    digest = hashlib.sha256(scope.encode())
    if hasattr(data, "lists"):  # a form or multipart body
        for name, values in sorted(data.lists()):
            if name not in IGNORED_FIELDS and name != FORM_FIELD:
                digest.update(json.dumps([name, values], ensure_ascii=False).encode())
    else:  # a JSON body
        digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode())
    for name, uploads in sorted(files.lists() if files is not None else []):
        digest.update(b"\0" + name.encode())
        for upload in uploads:
            digest.update(_file_digest(upload))
    return digest.hexdigest()


def _file_digest(upload):
    file_hash = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        file_hash.update(chunk)
    upload.seek(0)
    return file_hash.digest()


def stored(user, key, print_):
    """The kept answer of a done request under this key: (status, response), or None if there is none.
    Raises KeyReused when the key was used for another request."""
    found = IdempotencyKey.objects.filter(user=user, key=key).first()
    if found is None or found.status is None:
        return None
    if found.fingerprint != print_:
        raise _reused()
    return found.status, found.response


def run_once(user, key, scope, print_, work):
    """Do ``work()`` (which returns ``(status, response)``, a JSON-ready dict) once for this key.

    Returns ``(status, response, replayed)``. Without a key (``""``) the work simply runs."""
    if not key:
        return (*work(), False)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(user=user, key=key, scope=scope, fingerprint=print_)
        except IntegrityError:
            answer = stored(user, key, print_)
            if answer is None:  # a copy that is being done right now, or one that was refused
                raise _reused() from None
            return (*answer, True)
        status, response = work()
        record.status, record.response = status, response
        record.save(update_fields=["status", "response"])
    return status, response, False


def _reused():
    return KeyReused(_("该请求标识已用于另一份不同的提交：请刷新页面后重新填写，或使用新的标识。"))


def purge(now=None):
    """Forget keys older than ``IDEMPOTENCY_KEEP_DAYS``; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.IDEMPOTENCY_KEEP_DAYS)
    deleted, _rows = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
