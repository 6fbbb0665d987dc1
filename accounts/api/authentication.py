"""API token authentication with an expiry: a token older than ``API_TOKEN_DAYS`` is refused and deleted.

The client then asks for a new one with username and password (``POST /api/v1/auth/token/``).
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_expired(token, now=None):
    days = settings.API_TOKEN_DAYS
    if days <= 0:
        return False
    return token.created < (now or timezone.now()) - timedelta(days=days)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新登录获取新令牌。"))
        return user, token
