"""The OpenAPI schema and its Swagger UI: signed-in users only, unless ``API_DOCS_PUBLIC`` is set.

The schema names every endpoint, filter and status word of the office's API; an intranet office
may publish it (``API_DOCS_PUBLIC=1``), the default keeps it to people who may use the API. The
setting is read on each request, so a deployment's (or a test's) settings decide, not import time.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission


class DocsAccess(BasePermission):
    def has_permission(self, request, view):
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


class SchemaView(SpectacularAPIView):
    """The schema as YAML or JSON; an anonymous caller gets the API's 401 unless it is public."""

    permission_classes = [DocsAccess]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI served from local files, with a bar leading back to the site; its init script is
    fetched from ``?script`` (no inline script: Content-Security-Policy)."""

    permission_classes = [DocsAccess]
    template_name = "core/api_docs.html"


def docs_page(**initkwargs):
    """The Swagger UI page: a browser that has not signed in is sent to the login page and back."""
    view = DocsView.as_view(**initkwargs)

    def docs(request, *args, **kwargs):
        if not (settings.API_DOCS_PUBLIC or request.user.is_authenticated):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return docs
