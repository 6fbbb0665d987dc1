"""The client's address behind a proxy: X-Forwarded-For is believed only with TRUSTED_PROXY_COUNT set,
by the sign-in lockout and by the API throttles alike."""

import os
import subprocess
import sys
from pathlib import Path

from axes.models import AccessAttempt
from django.test import Client, RequestFactory, override_settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from core.client_address import client_address

ROOT = Path(__file__).resolve().parents[2]


def failed_sign_in(username, **meta):
    Client().post("/accounts/login/", {"username": username, "password": "wrong-password"}, **meta)
    return AccessAttempt.objects.get(username=username).ip_address


def test_without_proxies_the_header_is_ignored(db):
    # A client that writes its own X-Forwarded-For is still counted at its socket address.
    assert failed_sign_in("x1", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4") == "10.0.0.5"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_is_the_clients(db):
    # nginx appends the address it received the request from; what the client wrote is to its left.
    address = failed_sign_in("x2", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert address == "203.0.113.7"


def test_client_address_counts_from_the_right():
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.2, 10.0.0.1")
    with override_settings(TRUSTED_PROXY_COUNT=2):
        assert client_address(request) == "198.51.100.2"
    with override_settings(TRUSTED_PROXY_COUNT=0):
        assert client_address(request) == "127.0.0.1"
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_address(factory.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"  # no header


def test_the_api_throttles_read_the_same_setting():
    env = {**os.environ, "SECRET_KEY": "x", "TRUSTED_PROXY_COUNT": "1"}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TRUSTED_PROXY_COUNT, settings.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["1", "1"]

    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    from django.conf import settings

    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}):
        assert BaseThrottle().get_ident(Request(request)) == "203.0.113.9"
    assert BaseThrottle().get_ident(Request(request)) == "127.0.0.1"  # the default: 0
