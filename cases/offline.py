"""Which users' pages a phone keeps for offline use, and which pages (see cases.views.offline)."""

from django.templatetags.static import static

from accounts.choices import Role

OFFLINE_ROLES = (Role.INSPECTOR, Role.ENTERPRISE, Role.LANDLORD)
# What every kept page needs to draw itself, kept with the pages.
OFFLINE_ASSETS = (
    "css/app.css",
    "css/risk.css",
    "css/field.css",
    "css/patrol.css",
    "css/offline.css",
    "js/app.js",
    "js/field.js",
    "js/cases.js",
    "js/offline.js",
    "vendor/htmx/htmx.min.js",
    "img/favicon.svg",
    "img/icon-192.png",
)


def offline_user(user):
    """The user whose field pages a phone keeps, or None (other roles work online only)."""
    if user.is_authenticated and user.is_active and user.role in OFFLINE_ROLES:
        return user
    return None


def OfflineHeadersMiddleware(get_response):  # noqa: N802 - a middleware factory, named like one
    """Middleware: mark an HTML page of a field user as theirs to keep (``X-Offline-User: <id>``); the
    service worker keeps only pages so marked, and only for the user the phone belongs to now."""

    def middleware(request):
        response = get_response(request)
        user = getattr(request, "user", None)
        if (
            request.method == "GET"
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
            and user is not None
            and offline_user(user) is not None
        ):
            response["X-Offline-User"] = str(user.pk)
            response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "Cookie"]))
        return response

    return middleware


def offline_assets():
    return [static(a) for a in OFFLINE_ASSETS]
