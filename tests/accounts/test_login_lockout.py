"""Repeated failed sign-ins lock the username out (login form, admin, API token), per username and per
address, counted in the database (no Redis); admins unlock; the lockout is logged."""

import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from tests import factories as f

PASSWORD = "pass-2023-word"  # tests.factories.UserFactory's
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"
LOCKED = "登录失败次数过多"


def sign_in(client, username, password, url=LOGIN, address="10.0.0.1", **extra):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def alice(db):
    return f.UserFactory(username="alice", role="inspector")


@pytest.fixture
def bob(db):
    return f.UserFactory(username="bob", role="inspector")


def fail(client, username, times, **kwargs):
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", **kwargs)
    return response


def test_twenty_wrong_passwords_lock_the_username_and_the_right_one_is_refused(alice, bob, caplog):
    client = Client()
    response = fail(client, "alice", 19)
    assert response.status_code == 200 and LOCKED not in response.content.decode()  # 19: still the usual answer

    caplog.set_level(logging.WARNING, logger="accounts.lockout")
    response = fail(client, "alice", 1)  # the 20th
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "Sign-in locked out" in caplog.text and "alice" in caplog.text

    response = sign_in(client, "alice", PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429 and not signed_in(client)
    assert LOCKED in page and "30 分钟后再试" in page and 'name="password"' in page  # the login page, with the message
    assert AccessFailureLog.objects.filter(username="alice", locked_out=True).exists()

    other = Client()  # another user at the same address signs in
    response = sign_in(other, "bob", PASSWORD)
    assert response.status_code == 302 and signed_in(other)


def test_the_admin_login_locks_out_too(alice, bob):
    alice.is_staff = True
    alice.save()
    client = Client()
    fail(client, "alice", 20, url=ADMIN_LOGIN)

    response = sign_in(client, "alice", PASSWORD, url=ADMIN_LOGIN)
    assert response.status_code == 429 and LOCKED in response.content.decode() and not signed_in(client)
    assert "errornote" in response.content.decode()  # the admin's own login page, its error box

    # the same username is locked on the login form too (one count per username)
    assert sign_in(Client(), "alice", PASSWORD).status_code == 429


def test_the_api_token_endpoint_locks_out(alice, settings):
    # The token endpoint's own throttle (10 a minute per address and per username, in the cache) would
    # answer 429 first: no cache here (the lockout's count is in the database).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client = Client()
    for i in range(19):
        response = client.post(TOKEN, {"username": "alice", "password": "wrong"}, REMOTE_ADDR=f"10.1.0.{i}")
        assert response.status_code == 400
    response = client.post(TOKEN, {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.1.0.99")
    assert response.status_code == 429  # the 20th locks
    response = client.post(TOKEN, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429 and LOCKED in response.json()["detail"]
    assert "token" not in response.json()


def test_an_admin_unlocks_the_user(alice, world):
    fail(Client(), "alice", 20)
    assert sign_in(Client(), "alice", PASSWORD).status_code == 429

    admin = Client()
    admin.force_login(world.admin)
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock", "_selected_action": [alice.pk]},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()

    client = Client()
    assert sign_in(client, "alice", PASSWORD).status_code == 302 and signed_in(client)


def test_unlock_is_offered_in_the_admin_user_list(world):
    admin = Client()
    admin.force_login(world.admin)
    page = admin.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert 'value="unlock"' in page and "解除锁定" in page
    assert "delete_selected" not in page  # accounts are deactivated, never deleted


@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=30)
def test_many_usernames_from_one_address_lock_the_address(alice, db):
    client = Client()
    for i in range(30):
        sign_in(client, f"guess{i}", "wrong", address="10.2.0.1")
    # alice never failed, but the address has: refused there, fine from elsewhere
    assert sign_in(Client(), "alice", PASSWORD, address="10.2.0.1").status_code == 429
    assert sign_in(Client(), "alice", PASSWORD, address="10.2.0.2").status_code == 302


def test_a_success_does_not_wipe_the_count_of_another_username(alice, bob):
    client = Client()
    fail(client, "alice", 19)
    assert sign_in(Client(), "bob", PASSWORD).status_code == 302  # the attacker's own account, same address
    assert fail(client, "alice", 1).status_code == 429


def test_locked_out_user_in_the_database_only(alice, settings):
    """The count lives in the database: no cache is involved (Redis may be down)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    fail(Client(), "alice", 20)
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 20
    assert sign_in(Client(), "alice", PASSWORD).status_code == 429
    assert User.objects.get(username="alice").is_active  # locked out, not deactivated
