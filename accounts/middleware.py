"""Sessions end after ``SESSION_IDLE_HOURS`` without a request.

The session cookie and the stored session last ``SESSION_COOKIE_AGE`` (= the idle time) from their last
save; this middleware saves a signed-in user's session again once a few minutes have passed since the
last save, so each request pushes the end forward without writing the session on every request.
"""

import time

from django.conf import settings

TOUCHED_KEY = "_idle_touched"
TOUCH_EVERY_SECONDS = 300


class SessionIdleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            touched = session.get(TOUCHED_KEY)
            every = min(TOUCH_EVERY_SECONDS, max(settings.SESSION_COOKIE_AGE // 10, 1))
            if not isinstance(touched, int) or now - touched >= every:
                session[TOUCHED_KEY] = now  # modified: SessionMiddleware saves it and renews the cookie
        return self.get_response(request)
