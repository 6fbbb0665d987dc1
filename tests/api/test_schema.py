"""The OpenAPI schema and the Swagger UI, served with no internet."""

import re

import pytest
import yaml
from django.test import Client, override_settings

from tests.api.conftest import API


@pytest.fixture(scope="module")
def schema():
    with override_settings(API_DOCS_PUBLIC=True):  # read as published: no database for a module fixture
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_openapi_3_and_names_every_endpoint(schema):
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for path in [
        "auth/token/",
        "zones/",
        "grids/",
        "parcels/",
        "enterprises/",
        "categories/",
        "categories/{id}/",
        "inspections/",
        "hazards/",
        "hazards/{id}/photos/",
        "tickets/",
        "tickets/{id}/",
        "tickets/{id}/assign/",
        "tickets/{id}/submit/",
        "tickets/{id}/verify/",
        "tickets/{id}/escalate/",
        "tickets/{id}/events/",
        "reports/daily/{date}/",
        "reports/daily/{date}/regenerate/",
        "parcels/{id}/crosscheck/",
        "crosschecks/",
        "crosschecks/{id}/",
        "crosschecks/{id}/record/",
    ]:
        assert f"{API}{path}" in paths, path


def test_actions_document_their_request_bodies(schema):
    components = schema["components"]["schemas"]

    def body(path, content_type="application/json"):
        operation = schema["paths"][f"{API}{path}"]["post"]
        ref = operation["requestBody"]["content"][content_type]["schema"]["$ref"]
        return components[ref.rsplit("/", 1)[1]]

    assert {"passed", "comment"} <= set(body("tickets/{id}/verify/")["properties"])
    assert body("tickets/{id}/verify/")["required"] == ["passed"]
    assert {"deadline", "assignee", "measures", "funds", "responsible_person", "contingency"} <= set(
        body("tickets/{id}/assign/")["properties"]
    )
    submit = body("tickets/{id}/submit/", "multipart/form-data")
    assert submit["properties"]["photos"]["items"]["format"] == "binary"
    assert {"comment"} <= set(body("tickets/{id}/escalate/")["properties"])
    assert {"hazards", "measures", "deadline"} <= set(body("tickets/")["properties"])
    assert {"enterprise", "parcel", "category", "severity", "description", "photos"} <= set(
        body("hazards/", "multipart/form-data")["properties"]
    )
    ticket = components["TicketDetail"]["properties"]
    assert {
        "status",
        "is_overdue",
        "escalation_level",
        "deadline",
        "hazards",
        "number",
        "responsible_name",
        "zone",
        "grid",
    } <= set(ticket)


def test_list_filters_are_documented(schema):
    names = {p["name"] for p in schema["paths"][f"{API}tickets/"]["get"]["parameters"]}
    assert {"status", "zone", "overdue", "q", "ordering", "page", "page_size"} <= names


def test_swagger_ui_uses_only_local_assets(client, world):
    client.force_login(world.manager)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/">' in html  # a way back to the site
    urls = [url for url in re.findall(r'(?:src|href)="([^"]+)"', html) if url != "/"]
    # Swagger UI's init script is a file too (Content-Security-Policy: no inline script), served by the page's
    # own view at ?script (drf-spectacular's SpectacularSwaggerSplitView), to the same signed-in users.
    script = "/api/docs/?script="
    assert script in urls and "<script>" not in html
    urls.remove(script)
    assert len(urls) >= 3, html
    assert all(url.startswith("/static/") for url in urls), urls
    assert "http://" not in html and "https://" not in html
    init = client.get(script)
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert '"/api/schema/"' in init.content.decode()
    for url in urls:
        asset = Client().get(url)
        assert asset.status_code == 200, url


def test_the_schema_and_docs_are_for_signed_in_users_unless_published(client, world, settings):
    assert client.get("/api/schema/").status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/?next=/api/docs/")

    client.force_login(world.enterprise_user)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200

    client.logout()
    settings.API_DOCS_PUBLIC = True
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
