"""API throttles that keep working when the shared cache (Redis) is down.

DRF's throttles keep their counters in the default cache; with Redis unreachable every throttled request
(the token endpoint: phones and apps signing in) answered 500. ``ResilientCache`` uses the default cache
and, while it fails, a counter local to the process (``LocMemCache``), with a warning in the log (at most
once a minute): the limits still hold per process, and nobody is locked out by an outage.
"""

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework import throttling

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is a requirement; without it only OSError counts
    RedisError = OSError

logger = logging.getLogger(__name__)

CACHE_DOWN = (OSError, RedisError)
WARN_EVERY = 60  # seconds between two warnings of one process


class ResilientCache:
    """``get``/``set`` on the default cache, or on a process-local cache while the default one fails."""

    def __init__(self, alias="default"):
        self.alias = alias
        self.local = LocMemCache(f"resilient-{alias}", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self._warned_at = None

    def _fallback(self, error):
        now = time.monotonic()
        if self._warned_at is None or now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            logger.warning(
                "cache %r unavailable (%s): throttling with a counter local to this process", self.alias, error
            )
        return self.local

    def get(self, key, default=None):
        try:
            return caches[self.alias].get(key, default)
        except CACHE_DOWN as error:
            return self._fallback(error).get(key, default)

    def set(self, key, value, timeout=None):
        try:
            return caches[self.alias].set(key, value, timeout)
        except CACHE_DOWN as error:
            return self._fallback(error).set(key, value, timeout)


resilient_cache = ResilientCache()


class ResilientThrottleMixin:
    cache = resilient_cache


class SimpleRateThrottle(ResilientThrottleMixin, throttling.SimpleRateThrottle):
    pass


class ScopedRateThrottle(ResilientThrottleMixin, throttling.ScopedRateThrottle):
    pass


class AnonRateThrottle(ResilientThrottleMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ResilientThrottleMixin, throttling.UserRateThrottle):
    pass


class ExportThrottle(SimpleRateThrottle):
    """``EXPORT_RATE_LIMIT`` (e.g. "10/min") spreadsheet exports per user, counted in the shared cache (or, while
    it is down, in the process: ``ResilientCache``)."""

    scope = "export"

    def get_rate(self):
        from django.conf import settings

        return settings.EXPORT_RATE_LIMIT

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}
