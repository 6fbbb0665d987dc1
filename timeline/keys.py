"""The ledger's keys: events and anchors are chained by HMAC-SHA256 with a key kept outside the database.

``LEDGER_KEYS`` (settings, from the environment: ``id:secret`` pairs) lists every key still needed to
verify; ``LEDGER_KEY_ID`` names the one new events and anchors use. Each event and anchor stores the id
of its key (``key_id``), so a key can be rotated: add the new one, point LEDGER_KEY_ID at it, keep the
old one listed for as long as events signed with it are kept. A key id the settings do not list is an
unknown key: ``verify_chain`` reports it. The id ``""`` (``LEGACY``) is plain SHA-256, the chain as it was
before the keys: only for events and anchors covered by the ``LedgerSeal`` the key migration wrote.

The embedded run (no DATABASE_URL, no LEDGER_KEYS) keeps one key in ``VAR_DIR/ledger_key``, made on first
use by whichever process comes first (the others read it).
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

LEGACY = ""


class UnknownKey(LookupError):
    """A key id the settings do not list."""

    def __init__(self, key_id):
        super().__init__(key_id)
        self.key_id = key_id


def _parse(text):
    keys = {}
    for item in text.replace("\n", ",").split(","):
        key_id, _sep, secret = item.strip().partition(":")
        if key_id.strip() and secret.strip():
            keys[key_id.strip()] = secret.strip()
    return keys


def _key_file():
    """The embedded run's key, made once (O_EXCL: a concurrent first use reads the winner's key)."""
    path = Path(settings.LEDGER_KEY_FILE)
    try:
        text = path.read_text()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            text = path.read_text()
        else:
            text = f"local-{secrets.token_hex(4)}:{secrets.token_urlsafe(32)}\n"
            with os.fdopen(fd, "w") as out:
                out.write(text)
    keys = _parse(text)
    if not keys:
        raise ImproperlyConfigured(f"{path} holds no ledger key (id:secret)")
    return keys


def ledger_keys():
    """``{key id: secret}`` of every key this process can verify with."""
    if settings.LEDGER_KEYS:
        return dict(settings.LEDGER_KEYS)
    if settings.LEDGER_KEY_FILE:
        return _key_file()
    raise ImproperlyConfigured("LEDGER_KEYS is not set")


def current_key_id():
    """The id of the key new events and anchors are chained with."""
    keys = ledger_keys()
    key_id = settings.LEDGER_KEY_ID or list(keys)[-1]
    if key_id not in keys:
        raise ImproperlyConfigured(f"LEDGER_KEY_ID {key_id!r} is not one of the ledger keys")
    return key_id


def digest(key_id, text, keys=None):
    """HMAC-SHA256 of ``text`` under key ``key_id`` (hex); plain SHA-256 for the legacy id ``""``.
    Raises UnknownKey for an id the settings do not list."""
    data = text.encode("utf-8")
    if key_id == LEGACY:
        return hashlib.sha256(data).hexdigest()
    keys = ledger_keys() if keys is None else keys
    try:
        secret = keys[key_id]
    except KeyError:
        raise UnknownKey(key_id) from None
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()
