"""Tokens, sessions, 401 for the anonymous, the throttle against guessing, messages in the request's language."""

import pytest
import yaml
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from tests.api.conftest import API

TOKEN = f"{API}auth/token/"


def test_token_for_good_credentials_opens_the_api(world):
    client = APIClient()
    response = client.post(TOKEN, {"username": "inspector-a1", "password": "pass-2023-word"}, format="json")
    assert response.status_code == 200
    token = response.data["token"]
    assert response.data["user"]["role"] == "inspector"

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get(f"{API}zones/")
    assert response.status_code == 200
    assert [z["name"] for z in response.data["results"]] == ["中申达"]
    assert client.get(f"{API}auth/me/").data["grids"] == [world.grid_a1.pk]


def test_the_same_user_gets_the_same_token_and_can_revoke_it(world):
    client = APIClient()
    first = client.post(TOKEN, {"username": "manager-a", "password": "pass-2023-word"}, format="json").data["token"]
    second = client.post(TOKEN, {"username": "manager-a", "password": "pass-2023-word"}, format="json").data["token"]
    assert first == second

    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.delete(TOKEN).status_code == 204
    assert client.get(f"{API}tickets/").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"username": "inspector-a1", "password": "wrong"},
        {"username": "nobody", "password": "pass-2023-word"},
    ],
)
def test_bad_credentials_answer_400_with_a_message(world, body):
    response = APIClient().post(TOKEN, body, format="json")
    assert response.status_code == 400
    assert response.data["non_field_errors"] == ["用户名或密码不正确。"]
    assert "token" not in response.data


def test_inactive_user_gets_no_token(world):
    world.inspector.is_active = False
    world.inspector.save()
    response = APIClient().post(TOKEN, {"username": "inspector-a1", "password": "pass-2023-word"}, format="json")
    assert response.status_code == 400


def test_missing_fields_are_named(world):
    response = APIClient().post(TOKEN, {}, format="json")
    assert response.status_code == 400
    assert set(response.data) == {"username", "password"}


def test_the_throttle_rate_comes_from_settings(settings):
    assert (
        ScopedRateThrottle.THROTTLE_RATES["auth_token"]
        == settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_token"]
    )


def test_guessing_is_throttled(world, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth_token": "3/min"})
    client = APIClient()
    codes = [
        client.post(TOKEN, {"username": "inspector-a1", "password": f"guess{i}"}, format="json").status_code
        for i in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]
    # the right password does not get through either while throttled
    response = client.post(TOKEN, {"username": "inspector-a1", "password": "pass-2023-word"}, format="json")
    assert response.status_code == 429


@pytest.mark.parametrize(
    "path", ["zones/", "tickets/", "tickets/1/", "hazards/", "reports/daily/2023-12-31/", "auth/me/"]
)
def test_anonymous_gets_401_with_a_challenge(db, path):
    response = APIClient().get(f"{API}{path}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_post_gets_401(db):
    response = APIClient().post(f"{API}tickets/1/verify/", {"passed": True}, format="json")
    assert response.status_code == 401


def test_a_wrong_token_gets_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get(f"{API}tickets/").status_code == 401


def test_session_login_works_for_the_browsable_api(world):
    client = APIClient()
    client.force_login(world.manager)
    response = client.get(f"{API}tickets/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert client.get(f"{API}tickets/").status_code == 200


def test_session_posts_need_the_csrf_token(world, make_ticket):
    ticket = make_ticket("pending")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.manager)
    response = client.post(f"{API}tickets/{ticket.pk}/assign/", {}, format="json")
    assert response.status_code == 403


def test_messages_follow_the_request_language(db):
    client = APIClient()
    english = client.get(f"{API}tickets/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(f"{API}tickets/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english.data["detail"] == "Authentication credentials were not provided."
    assert chinese.data["detail"] != english.data["detail"]


def test_every_operation_but_the_token_answers_401_to_the_anonymous(db):
    from django.test import Client, override_settings

    with override_settings(API_DOCS_PUBLIC=True):
        schema = yaml.safe_load(Client().get("/api/schema/").content)
    client = APIClient()
    checked = 0
    for path, operations in schema["paths"].items():
        url = path.replace("{id}", "1").replace("{date}", "2023-12-31")
        for method in operations:
            if (path, method) == ("/api/v1/auth/token/", "post"):
                continue
            response = getattr(client, method)(url, {}, format="json")
            assert response.status_code == 401, (method, path, response.status_code)
            checked += 1
    assert checked >= 35


def test_guessing_one_account_from_many_addresses_is_throttled(world, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth_token": "3/min"})
    codes = [
        APIClient(REMOTE_ADDR=f"10.0.0.{i}").post(TOKEN, {"username": "Manager-A", "password": f"guess{i}"}).status_code
        for i in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]


def test_a_forged_forwarded_for_header_does_not_escape_the_throttle(world, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth_token": "3/min"})
    codes = [
        APIClient(HTTP_X_FORWARDED_FOR=f"10.1.0.{i}").post(TOKEN, {"username": f"u{i}", "password": "x"}).status_code
        for i in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]
