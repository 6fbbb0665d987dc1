"""The admin speaks the product's name, not "Django 管理"."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_admin_index_shows_the_product_name(client, world):
    client.force_login(world.admin)
    html = client.get(reverse("admin:index")).content.decode()
    assert "安全隐患排查整改系统" in html
    assert "Django 管理" not in html and "Django 站点管理" not in html and "Django administration" not in html


def test_admin_login_page_shows_the_product_name(client):
    html = client.get(reverse("admin:login")).content.decode()
    assert "安全隐患排查整改系统" in html and "Django" not in html.split("<body", 1)[1]
