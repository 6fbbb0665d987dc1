"""REST API v1: each app's api/urls.py registers its viewsets here."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("register.api.urls")),
    path("", include("catalogue.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("closeout.api.urls")),
    path("", include("risk.api.urls")),
    path("", include("servicedesk.api.urls")),
    path("", include("ledgers.api.urls")),
    path("", include("briefing.api.urls")),
]
