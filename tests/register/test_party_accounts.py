"""Party accounts opened in bulk from the register: the command, the page, scoping, and the first sign-in."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.choices import Role
from accounts.models import ActivationCode, User
from register.models import Enterprise, Parcel
from tests import factories as f
from tests.test_translations import english_world  # noqa: F401, F811 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def phones(world):
    """tenant2 and other_a2 have mobiles; parcel_a2's landlord a 6-digit number; parcel_b's none."""
    Enterprise.objects.filter(pk=world.tenant2.pk).update(phone="139 1111 2222")
    Enterprise.objects.filter(pk=world.other_a2.pk).update(phone="0579-87654321")
    Enterprise.objects.filter(pk=world.other_b.pk).update(phone="13933334444")
    Parcel.objects.filter(pk=world.parcel_a2.pk).update(landlord_phone="123456", landlord_name="钱房东")
    Parcel.objects.filter(pk=world.parcel_b.pk).update(landlord_phone="")
    return world


def run_command(*args):
    out = io.StringIO()
    call_command("create_party_accounts", *args, stdout=out)
    return out.getvalue()


def test_command_dry_run_writes_nothing(phones):
    before = User.objects.count()
    output = run_command("--dry-run")
    assert "试运行" in output
    assert User.objects.count() == before


def test_command_opens_accounts_by_mobile_and_lists_the_skipped_units(phones):
    output = run_command("--zone", "中申达")
    user = User.objects.get(username="13911112222")
    assert user.role == Role.ENTERPRISE and not user.has_usable_password()
    assert list(user.enterprises.all()) == [phones.tenant2]
    assert ActivationCode.objects.filter(user=user).exists()
    # tenant1 has an account already; other_a2's phone is a landline; parcel_a2's landlord has 6 digits.
    assert "已有账号 tenant1-owner" in output
    assert "永康丙电器有限公司" in output and "联系电话不是有效的手机号" in output
    assert "中申达201号厂房" in output and "房东电话不是有效的手机号" in output
    assert not User.objects.filter(username="13933334444").exists()  # zone B was not asked for
    # parcel ZSD-001 has a landlord account: not duplicated
    assert Parcel.objects.get(pk=phones.parcel.pk).landlord_user == phones.landlord
    # A second run opens nothing new.
    run_command("--zone", "中申达")
    assert User.objects.filter(username="13911112222").count() == 1


def test_an_existing_account_with_the_mobile_is_linked_not_duplicated(phones):
    existing = f.UserFactory(username="landlord-qian", role=Role.LANDLORD, phone="13877778888")
    Parcel.objects.filter(pk=phones.parcel_a2.pk).update(landlord_phone="138-7777-8888")
    output = run_command("--zone", "中申达", "--only", "landlords")
    assert "关联已有账号" in output
    assert Parcel.objects.get(pk=phones.parcel_a2.pk).landlord_user == existing
    assert not User.objects.filter(username="13877778888").exists()
    assert existing.has_usable_password()  # its password is kept


def test_a_mobile_of_another_roles_account_is_skipped(phones):
    f.UserFactory(username="13911112222", role=Role.INSPECTOR)
    output = run_command("--only", "enterprises")
    assert "不能作为此单位的账号" in output
    assert not phones.tenant2.users.exists()


# --- the page ------------------------------------------------------------------------------------


def test_page_shows_which_units_have_an_account(client, phones):
    client.force_login(phones.manager)
    response = client.get(reverse("register:party_accounts_enterprises"))
    assert response.status_code == 200
    rows = {unit.name: unit.has_account for unit in response.context["object_list"]}
    assert rows == {"永康甲五金有限公司": True, "永康乙工贸有限公司": False, "永康丙电器有限公司": False}
    html = response.content.decode()
    assert "已开通" in html and "未开通" in html
    parcels = client.get(reverse("register:party_accounts_parcels"), {"has_account": "false"})
    assert [p.code for p in parcels.context["object_list"]] == ["ZSD-201"]


def test_page_runs_the_same_queries_for_many_rows(client, phones, django_assert_max_num_queries):
    client.force_login(phones.manager)
    url = reverse("register:party_accounts_enterprises")
    with django_assert_max_num_queries(20) as captured:
        client.get(url)
    few = len(captured)
    for n in range(30):
        f.EnterpriseFactory(parcel=phones.parcel, name=f"永康批量{n}厂", phone=f"1370000{n:04d}")
    with django_assert_max_num_queries(few):
        assert client.get(url).status_code == 200


def test_manager_opens_accounts_and_sees_the_codes_once(client, phones):
    client.force_login(phones.manager)
    url = reverse("register:party_accounts_create", args=["enterprise"])
    response = client.post(url, {"ids": [phones.tenant2.pk, phones.other_a2.pk]})
    assert response.status_code == 200
    outcomes = {o.unit.pk: o for o in response.context["outcomes"]}
    created = outcomes[phones.tenant2.pk]
    assert (created.status, created.mobile, len(created.code)) == ("created", "13911112222", 8)
    assert outcomes[phones.other_a2.pk].status == "skipped"
    html = response.content.decode()
    assert created.code in html and "13911112222" in html and "联系电话不是有效的手机号" in html
    listing = client.get(reverse("register:party_accounts_enterprises"))
    assert {u.name: u.account_pending for u in listing.context["object_list"]}["永康乙工贸有限公司"]


def test_codes_as_xlsx(client, phones):
    client.force_login(phones.manager_all)
    url = reverse("register:party_accounts_create", args=["enterprise"])
    response = client.post(url, {"ids": [phones.other_b.pk], "format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][3] == "手机号（登录名）" and rows[0][4] == "激活码"
    assert rows[1][3] == "13933334444" and len(rows[1][4]) == 8


def test_a_manager_cannot_open_accounts_for_another_zones_units(client, phones):
    client.force_login(phones.manager)  # zone A only
    url = reverse("register:party_accounts_create", args=["enterprise"])
    response = client.post(url, {"ids": [phones.tenant2.pk, phones.other_b.pk]})
    assert response.status_code == 404
    assert not User.objects.filter(username__in=["13911112222", "13933334444"]).exists()
    parcels = reverse("register:party_accounts_create", args=["parcel"])
    assert client.post(parcels, {"ids": [phones.parcel_b.pk]}).status_code == 404
    listing = client.get(reverse("register:party_accounts_enterprises"))
    assert "永康丁机械有限公司" not in listing.content.decode()


@pytest.mark.parametrize("role", ["inspector", "leader", "enterprise_user", "landlord"])
def test_other_roles_may_not_open_accounts(client, phones, role):
    client.force_login(getattr(phones, role))
    assert client.get(reverse("register:party_accounts_enterprises")).status_code == 403
    url = reverse("register:party_accounts_create", args=["enterprise"])
    assert client.post(url, {"ids": [phones.tenant2.pk]}).status_code == 403
    assert not User.objects.filter(username="13911112222").exists()


# --- the first sign-in -----------------------------------------------------------------------------

PASSWORD = "Qiye-2026-anquan"


def open_account(client, world, unit):
    client.force_login(world.manager)
    response = client.post(reverse("register:party_accounts_create", args=["enterprise"]), {"ids": [unit.pk]})
    client.logout()
    (outcome,) = response.context["outcomes"]
    return outcome.mobile, outcome.code


def first_sign_in(client, mobile, code, password=PASSWORD, again=None):
    return client.post(
        reverse("accounts:first_sign_in"),
        {"mobile": mobile, "code": code, "new_password1": password, "new_password2": again or password},
    )


def test_first_sign_in_sets_the_password_and_the_mobile_logs_in(client, phones):
    mobile, code = open_account(client, phones, phones.tenant2)
    assert not client.login(username=mobile, password=PASSWORD)
    response = first_sign_in(client, mobile, code)
    assert response.status_code == 302
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": mobile, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(phones.tenant2.get_absolute_url())
    assert page.status_code == 200  # scoped to its enterprise
    assert client.get(phones.other_a2.get_absolute_url()).status_code == 404


def test_a_used_code_is_refused_and_changes_nothing(client, phones):
    mobile, code = open_account(client, phones, phones.tenant2)
    assert first_sign_in(client, mobile, code).status_code == 302
    client.logout()
    password_before = User.objects.get(username=mobile).password
    response = first_sign_in(client, mobile, code, password="Another-2026-pass")
    assert response.status_code == 200
    assert "手机号或激活码不正确，或激活码已使用" in response.content.decode()
    assert User.objects.get(username=mobile).password == password_before
    assert client.login(username=mobile, password=PASSWORD)


def test_a_wrong_code_is_refused_and_changes_nothing(client, phones):
    mobile, code = open_account(client, phones, phones.tenant2)
    wrong = "22222222" if code != "22222222" else "33333333"
    response = first_sign_in(client, mobile, wrong)
    assert response.status_code == 200
    assert "手机号或激活码不正确" in response.content.decode()
    user = User.objects.get(username=mobile)
    assert not user.has_usable_password() and "_auth_user_id" not in client.session
    # the right code still works
    assert first_sign_in(client, mobile, code).status_code == 302


def test_too_many_wrong_codes_void_the_code(client, phones):
    mobile, code = open_account(client, phones, phones.tenant2)
    wrong = "22222222" if code != "22222222" else "33333333"
    for _n in range(5):
        first_sign_in(client, mobile, wrong)
    response = first_sign_in(client, mobile, code)
    assert response.status_code == 200 and "激活码不正确" in response.content.decode()


def test_the_new_password_must_pass_the_validators_and_the_code_stays(client, phones):
    mobile, code = open_account(client, phones, phones.tenant2)
    response = first_sign_in(client, mobile, code, password="123")
    assert response.status_code == 200 and response.context["form"].errors.get("new_password1")
    response = first_sign_in(client, mobile, code, again="Something-else-99")
    assert "两次输入的密码不一致" in response.content.decode()
    assert first_sign_in(client, mobile, code).status_code == 302


def test_login_page_links_the_first_sign_in(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:first_sign_in") in html and "首次登录" in html


# --- in English ------------------------------------------------------------------------------------


def test_party_account_pages_in_english_show_no_chinese(client, english_world):  # noqa: F811
    from tests.test_translations import chinese_left, english_client

    w = english_world
    Enterprise.objects.filter(pk=w.tenant2.pk).update(phone="13911112222")
    Enterprise.objects.filter(pk=w.other_a2.pk).update(phone="123456")
    english_client(client, w.manager)
    pages = [
        client.get(reverse("register:party_accounts_enterprises")),
        client.get(reverse("register:party_accounts_parcels")),
    ]
    url = reverse("register:party_accounts_create", args=["enterprise"])
    pages.append(client.post(url, {"ids": [w.tenant1.pk, w.tenant2.pk, w.other_a2.pk]}))
    client.logout()
    client.cookies["django_language"] = "en"
    pages.append(client.get(reverse("accounts:first_sign_in")))
    pages.append(first_sign_in(client, "13900000000", "12345678"))
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        main = html[html.index('<main class="container"') :]  # the page's own text (the menu is tested elsewhere)
        assert chinese_left(main) == []


def test_page_filter_bar_is_tuned_like_the_case_lists(client, phones):
    client.force_login(phones.manager)
    html = client.get(reverse("register:party_accounts_enterprises")).content.decode()
    bar = html[html.index('<form method="get" class="filters case-filters"') :]
    bar = bar[: bar.index("</form>")]
    assert '<details class="multi-select" id="id_zone_id">' in bar
    assert '<select name="has_account" id="id_has_account">' in bar and '<option value="" selected>全部</option>' in bar
    assert "未知" not in bar and "<select multiple" not in bar


def test_reissue_gives_a_pending_account_a_new_code_and_voids_the_old(client, phones):
    mobile, old = open_account(client, phones, phones.tenant2)
    client.force_login(phones.manager)
    url = reverse("register:party_accounts_create", args=["enterprise"])
    (outcome,) = client.post(url, {"ids": [phones.tenant2.pk]}).context["outcomes"]
    assert outcome.status == "has_account" and not outcome.code  # not without asking
    (outcome,) = client.post(url, {"ids": [phones.tenant2.pk], "reissue": "1"}).context["outcomes"]
    assert outcome.code and outcome.code != old
    client.logout()
    assert first_sign_in(client, mobile, old).status_code == 200
    assert first_sign_in(client, mobile, outcome.code).status_code == 302


def test_command_writes_the_codes_to_xlsx(phones, tmp_path):
    path = tmp_path / "codes.xlsx"
    run_command("--zone", "花川", "--xlsx", str(path))
    rows = list(openpyxl.load_workbook(path).active.values)
    assert [r[3] for r in rows[1:] if r[4]] == ["13933334444"]


def test_register_lists_show_which_units_have_an_account(client, phones, django_assert_max_num_queries):
    client.force_login(phones.manager)
    html = client.get(reverse("cases:enterprise_list")).content.decode()
    assert reverse("register:party_accounts_enterprises") in html
    assert f'data-enterprise="{phones.tenant1.pk}"' in html
    row = html[html.index(f'data-enterprise="{phones.tenant1.pk}"') :]
    assert 'data-account="1"' in row[: row.index("</tr>")]
    row = html[html.index(f'data-enterprise="{phones.tenant2.pk}"') :]
    assert 'data-account="0"' in row[: row.index("</tr>")]
    html = client.get(reverse("cases:parcel_list")).content.decode()
    row = html[html.index('data-parcel="ZSD-001"') :]
    assert 'data-account="1"' in row[: row.index("</tr>")]
    # one query for the page's rows, whatever their number
    with django_assert_max_num_queries(40) as captured:
        client.get(reverse("cases:enterprise_list"))
    few = len(captured)
    for n in range(30):
        f.EnterpriseFactory(parcel=phones.parcel, name=f"永康批量{n}厂")
    with django_assert_max_num_queries(few):
        client.get(reverse("cases:enterprise_list"))
    # not for those who may not open accounts
    client.force_login(phones.inspector)
    assert "data-account" not in client.get(reverse("cases:enterprise_list")).content.decode()
