"""Helpers of the API tests."""

from tests.api.conftest import API


def post(client, path, data=None, fmt="json", **extra):
    return client.post(f"{API}{path}", data or {}, format=fmt, **extra)
