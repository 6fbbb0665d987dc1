"""The client's address as the app should believe it: X-Forwarded-For only from trusted proxies.

Behind N reverse proxies (``TRUSTED_PROXY_COUNT``), each appends the address it received the request
from to ``X-Forwarded-For``; the client's address is then the N-th entry from the right, and anything
to its left was written by the client itself. With 0 (the default) the socket's address is used and the
header is ignored. DRF's throttles read the same setting (``REST_FRAMEWORK["NUM_PROXIES"]``), and so
does the sign-in lockout (``AXES_CLIENT_IP_CALLABLE``), so one client is one bucket everywhere.
"""

from django.conf import settings


def client_address(request):
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
