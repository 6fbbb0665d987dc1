"""The first sign-in of an account opened without a password: a one-time activation code.

``issue_code(user)`` gives the account a new code (returned once, in clear; only its hash is
stored, an HMAC) and takes away any usable password; ``activate(mobile, code, password)`` checks the code,
sets the password (Django's validators) and deletes the code, so it works once. A wrong code
changes nothing but the count of wrong tries: after MAX_FAILED_ATTEMPTS the code is void.
"""

import secrets

from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.models import ActivationCode, User

CODE_ALPHABET = "23456789"
CODE_LENGTH = 8
MAX_FAILED_ATTEMPTS = 5


class ActivationRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def wrong_code_message():
    return _("手机号或激活码不正确，或激活码已使用、已失效。请核对后重试，或向管理人员索取新的激活码。")


def code_hash(user_pk, code):
    """An HMAC of the code keyed with SECRET_KEY and the account: cheap enough to issue thousands at once (a
    password hasher takes a good part of a second each), and useless without the key."""
    return salted_hmac("accounts.activation", f"{user_pk}:{code}", algorithm="sha256").hexdigest()


def _matches(activation, code):
    return bool(code) and constant_time_compare(code_hash(activation.user_id, code), activation.code_hash)


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def issue_code(user, by=None):
    """A new activation code for ``user`` (any earlier one stops working); returns the code in clear."""
    code = new_code()
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    ActivationCode.objects.update_or_create(
        user=user, defaults={"code_hash": code_hash(user.pk, code), "failed_attempts": 0, "created_by": by}
    )
    return code


def normalize_code(code):
    return "".join((code or "").split())


def pending_user(mobile, code):
    """The account waiting for activation that ``code`` opens; ActivationRefused otherwise.

    A wrong code counts against the account's code (MAX_FAILED_ATTEMPTS, then the code is void)."""
    mobile = "".join((mobile or "").split())
    code = normalize_code(code)
    with transaction.atomic():
        activation = (
            ActivationCode.objects.select_for_update()
            .select_related("user")
            .filter(user__username=mobile, user__is_active=True)
            .first()
        )
        right = activation is not None and _matches(activation, code)
        if activation is not None and not right:
            activation.failed_attempts += 1
            if activation.failed_attempts >= MAX_FAILED_ATTEMPTS:
                activation.delete()
            else:
                activation.save(update_fields=["failed_attempts"])
    if not right:  # raised after the block, so the count of wrong tries is kept
        raise ActivationRefused(wrong_code_message())
    return activation.user


def activate(user, code, password):
    """Set ``user``'s first password, if ``code`` is still theirs; the code is then used up."""
    with transaction.atomic():
        activation = ActivationCode.objects.select_for_update().filter(user=user).first()
        if activation is None or not _matches(activation, normalize_code(code)):
            raise ActivationRefused(wrong_code_message())
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.save(update_fields=["password"])
        activation.delete()
    return user
