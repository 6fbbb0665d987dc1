from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from cases.views.media import media
from core.metrics import metrics_view
from home.views import HomeView

# The database unreachable: a 503 page (JSON for the API), not a 500 (core.middleware).
handler500 = "core.middleware.server_error"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("accounts/", include("accounts.urls")),
    path("register/", include("register.urls")),
    path("", include("cases.urls")),
    path("", include("briefing.urls")),
    path("", include("closeout.urls")),
    path("", include("risk.urls")),
    path("", include("servicedesk.urls")),
    path("", include("ledgers.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    # Photos are served by the app (offices run on intranets), scoped like the cases they belong to.
    path("media/<path:path>", media, name="media"),
    # Prometheus metrics, for the allowed addresses or METRICS_TOKEN (core.metrics); /healthz and /readyz
    # are answered before the URLs (core.health.HealthCheckMiddleware).
    path("metrics", metrics_view, name="metrics"),
]
