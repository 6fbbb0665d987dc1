"""The close-out tests use the API tests' clients and ticket maker."""

from tests.api.conftest import api_isolation, category, clients, make_ticket  # noqa: F401
