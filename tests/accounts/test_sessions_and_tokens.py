"""Sessions end after SESSION_IDLE_HOURS idle; API tokens expire after API_TOKEN_DAYS and die with a
password change; passwords follow the strong rules (and the demo's password passes them)."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.middleware import TOUCHED_KEY
from accounts.models import User
from demo.common import DEFAULT_PASSWORD
from tests import factories as f

PASSWORD = "pass-2023-word"


@pytest.fixture(autouse=True)
def no_token_throttle(settings):
    """The token endpoint allows 10 requests a minute per address (counted in the cache): not the subject here."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def sign_in(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


# --- sessions ---------------------------------------------------------------------------------------


def test_a_session_lasts_eight_idle_hours(db, settings):
    assert settings.SESSION_IDLE_HOURS == 8 and settings.SESSION_COOKIE_AGE == 8 * 3600
    user = f.UserFactory()
    client = Client()
    response = sign_in(client, user)
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
    row = Session.objects.get(session_key=client.session.session_key)
    assert timedelta(hours=7, minutes=59) < row.expire_date - timezone.now() <= timedelta(hours=8)


def test_an_idle_session_ends(db):
    user = f.UserFactory()
    client = Client()
    sign_in(client, user)
    assert client.get("/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)  # 8 hours without a request
    )
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_request_pushes_the_end_forward(db):
    user = f.UserFactory()
    client = Client()
    sign_in(client, user)
    key = client.session.session_key
    session = client.session
    session[TOUCHED_KEY] = int(timezone.now().timestamp()) - 600  # last renewed ten minutes ago
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(hours=1))

    response = client.get("/")
    assert response.status_code == 200
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
    row = Session.objects.get(session_key=client.cookies["sessionid"].value)
    assert row.expire_date - timezone.now() > timedelta(hours=7, minutes=59)

    # A request right after does not write the session again.
    assert "sessionid" not in client.get("/").cookies


# --- API tokens -------------------------------------------------------------------------------------


def token_for(user, client=None):
    client = client or Client()
    response = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()["token"]


def me(key):
    return Client().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_expires_after_thirty_days(db, settings):
    assert settings.API_TOKEN_DAYS == 30
    user = f.UserFactory()
    key = token_for(user)
    assert me(key).status_code == 200

    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=29))
    assert me(key).status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=31))
    response = me(key)
    assert response.status_code == 401 and "过期" in response.json()["detail"]
    assert not Token.objects.filter(key=key).exists()


def test_signing_in_again_replaces_an_expired_token(db):
    user = f.UserFactory()
    key = token_for(user)
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=31))
    new = token_for(user)
    assert new != key and me(new).status_code == 200


def test_a_password_change_on_the_page_revokes_the_tokens(db):
    user = f.UserFactory()
    key = token_for(user)
    client = Client()
    sign_in(client, user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Fresh-2026-secret", "new_password2": "Fresh-2026-secret"},
    )
    assert response.status_code == 302
    assert me(key).status_code == 401
    assert not Token.objects.filter(user=user).exists()


def test_a_password_set_by_an_admin_revokes_the_tokens(world):
    user = f.UserFactory()
    key = token_for(user)
    admin = Client()
    admin.force_login(world.admin)
    response = admin.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "Fresh-2026-secret", "password2": "Fresh-2026-secret", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert me(key).status_code == 401


def test_other_saves_keep_the_tokens(db):
    user = f.UserFactory()
    key = token_for(user)
    user.first_name = "新名字"
    user.save()
    sign_in(Client(), user)  # updates last_login
    assert me(key).status_code == 200

    user.set_password("Fresh-2026-secret")
    user.save()
    assert me(key).status_code == 401


# --- password rules ---------------------------------------------------------------------------------


def test_the_demo_password_passes_the_rules(db):
    assert DEFAULT_PASSWORD == "demo-pass-2023"
    validate_password(
        DEFAULT_PASSWORD, User(username="demo-manager", first_name="王交办", email="demo-manager@example.com")
    )
    validate_password(PASSWORD, User(username="inspector-a1"))


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab3-short", "password_too_short"),  # 9 characters: the minimum is 10
        ("12345678901234", "password_entirely_numeric"),
        ("password1234", "password_too_common"),
        ("zhangwei-2024", "password_too_similar"),  # the user's username
    ],
)
def test_weak_passwords_are_refused(db, password, code):
    user = User(username="zhangwei-2024", first_name="张伟", email="zw@example.com")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert code in {error.code for error in refused.value.error_list}
