import re

import pytest
from django.urls import reverse

from register.models import Enterprise, Parcel

ALIBABA = "91330100799655058B"


def errors(response):
    """The error messages the admin form shows."""
    assert response.status_code == 200
    return [
        re.sub(r"<[^>]+>", "", item)
        for block in re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
        for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


@pytest.fixture
def admin_client(world, client):
    client.force_login(world.admin)
    return client


def enterprise_form(world, **values):
    data = {
        "name": "永康新建五金厂",
        "credit_code": ALIBABA,
        "kind": "industrial",
        "parcel": world.parcel.pk,
        "grid": world.grid_a1.pk,
        "legal_representative": "",
        "safety_contact": "",
        "phone": "",
        "employee_count": "",
        "active": "on",
    }
    data.update(values)
    return data


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91330100799655058C", "统一社会信用代码校验位错误：末位应为 B，实际为 C。"),
        ("9133010079965505", "统一社会信用代码应为18位，实际为16位。"),
        ("9133010079965505OB", "统一社会信用代码格式错误"),
        ("91330100799655058b", "统一社会信用代码请用半角大写字母和数字填写，不含空格和横线：91330100799655058B。"),
        ("９１３３０１００７９９６５５０５８Ｂ", "统一社会信用代码请用半角大写字母和数字填写"),
    ],
)
def test_a_wrong_credit_code_in_the_enterprise_add_form_is_explained_and_nothing_is_written(
    world, admin_client, code, message
):
    count = Enterprise.objects.count()

    response = admin_client.post(reverse("admin:register_enterprise_add"), enterprise_form(world, credit_code=code))

    assert any(error.startswith(message) for error in errors(response)), errors(response)
    assert Enterprise.objects.count() == count


def test_a_credit_code_already_registered_is_refused(world, admin_client):
    count = Enterprise.objects.count()
    data = enterprise_form(world, credit_code=world.tenant1.credit_code)

    response = admin_client.post(reverse("admin:register_enterprise_add"), data)

    assert any("统一社会信用代码" in error and "已存在" in error for error in errors(response)), errors(response)
    assert Enterprise.objects.count() == count


def test_a_wrong_credit_code_in_the_change_form_leaves_the_enterprise_as_it_was(world, admin_client):
    tenant = world.tenant1
    before = tenant.credit_code
    url = reverse("admin:register_enterprise_change", args=[tenant.pk])

    wrong = before[:-1] + ("1" if before[-1] != "1" else "2")  # any other check character is wrong
    response = admin_client.post(url, enterprise_form(world, name=tenant.name, credit_code=wrong))

    assert any("校验位错误" in error for error in errors(response))
    tenant.refresh_from_db()
    assert tenant.credit_code == before


def test_a_valid_enterprise_is_added(world, admin_client):
    response = admin_client.post(reverse("admin:register_enterprise_add"), enterprise_form(world))

    assert response.status_code == 302
    assert Enterprise.objects.get(credit_code=ALIBABA).parcel == world.parcel


def parcel_form(world, **values):
    data = {
        "code": "ZSD-999",
        "name": "中申达999号厂房",
        "address": "",
        "grid": world.grid_a1.pk,
        "landlord_name": "",
        "landlord_phone": "",
        "area": "",
        "latitude": "",
        "longitude": "",
        "polygon": "null",
        "tenants-TOTAL_FORMS": "0",
        "tenants-INITIAL_FORMS": "0",
        "tenants-MIN_NUM_FORMS": "0",
        "tenants-MAX_NUM_FORMS": "1000",
    }
    data.update(values)
    return data


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"area": "-5"}, "确保该值大于或等于0"),
        ({"code": "ZSD-001"}, "已存在"),
        ({"name": ""}, "该字段是必填项"),
        ({"grid": ""}, "该字段是必填项"),
    ],
)
def test_bad_input_to_the_parcel_add_form_is_explained_and_nothing_is_written(world, admin_client, values, message):
    count = Parcel.objects.count()

    response = admin_client.post(reverse("admin:register_parcel_add"), parcel_form(world, **values))

    assert any(message in error for error in errors(response)), errors(response)
    assert Parcel.objects.count() == count


def test_a_tenant_with_a_wrong_code_in_the_parcel_form_writes_nothing(world, admin_client):
    parcel = world.parcel
    url = reverse("admin:register_parcel_change", args=[parcel.pk])
    data = parcel_form(world, code=parcel.code, name="改过的名字", **{
        "tenants-TOTAL_FORMS": "1",
        "tenants-0-name": "新租户",
        "tenants-0-credit_code": "91330100799655058C",
        "tenants-0-kind": "industrial",
        "tenants-0-active": "on",
    })  # fmt: skip

    response = admin_client.post(url, data)

    assert any("校验位错误" in error for error in errors(response)), errors(response)
    parcel.refresh_from_db()
    assert parcel.name == "中申达1号厂房"
    assert not Enterprise.objects.filter(name="新租户").exists()
