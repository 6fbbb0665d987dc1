from django.urls import include, path

from core.api.docs import SchemaView, docs_page

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", docs_page(url_name="api-schema"), name="api-docs"),
    path("v1/", include(("config.api_v1_urls", "api"))),
]
