from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.i18n import set_language
from django.views.static import serve

from inspections.views import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("accounts/", include("accounts.urls")),
    path("register/", include("enterprises.urls")),
    path("cases/", include("inspections.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    # Photos are served by the app (offices run on intranets); access goes through login.
    path("media/<path:path>", login_required(serve), {"document_root": settings.MEDIA_ROOT}),
]
