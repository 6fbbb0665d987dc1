"""REST API v1: each app's api/urls.py registers its viewsets here."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("enterprises.api.urls")),
    path("", include("inspections.api.urls")),
]
