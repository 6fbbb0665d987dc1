"""Signal handlers of accounts: a password change revokes the user's API tokens; signing in starts the
session's idle clock.

A token is a password-equivalent held by a phone or a script; whoever changes a password (the user on
the password page, an admin in the admin, ``changepassword``, an activation) means to shut out whoever
knew the old one, so every token of that user is deleted when the new password is saved.
"""

import logging
import time

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import pre_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from accounts import lockout  # noqa: F401  (connects the lockout log to axes' signal)
from accounts.middleware import TOUCHED_KEY
from accounts.models import User

logger = logging.getLogger(__name__)


@receiver(pre_save, sender=User)
def revoke_tokens_on_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    old = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is None or old == instance.password:
        return
    deleted, _ = Token.objects.filter(user_id=instance.pk).delete()
    if deleted:
        logger.info("Password of user %s changed: %d API token(s) revoked", instance.pk, deleted)


@receiver(user_logged_in)
def start_idle_clock(sender, request=None, user=None, **kwargs):
    """Signing in saves the session anyway: mark it touched, so the next request does not save it again
    (accounts.middleware.SessionIdleMiddleware)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[TOUCHED_KEY] = int(time.time())
