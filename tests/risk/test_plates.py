"""The plate (挂牌): what its QR code opens for each visitor, the check-in it records (巡更打卡), 现场核验 on
the unit page, and the A5 print page of a grid's plates."""

import re

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.choices import CheckInFlag
from cases.models import CheckIn
from register.choices import RiskLevel
from register.models import Enterprise, Parcel
from register.plates import SALT, plate_token
from tests import factories as f

pytestmark = pytest.mark.django_db

NEAR = {"latitude": "28.9002", "longitude": "120.05", "accuracy": "12"}  # about 22 m from the parcel's point
FAR = {"latitude": "28.919", "longitude": "120.05", "accuracy": "15"}  # about 2.1 km


@pytest.fixture
def hazard_category(db):
    return f.HazardCategoryFactory(code="TE01", name="电气线路私拉乱接", deadline_days=7)


def plate(unit):
    return reverse("risk:plate", args=[plate_token(unit)])


def checkin_url(unit):
    return reverse("risk:plate_checkin", args=[plate_token(unit)])


# --- the token -------------------------------------------------------------------------------------


def test_a_genuine_token_opens_the_plate_and_a_forged_one_is_404(client, world):
    token = plate_token(world.tenant1)
    assert client.get(plate(world.tenant1)).status_code == 200
    value, signature = token.split(".")
    forged = [
        f"{value}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # altered signature
        f"p{value[1:]}.{signature}",  # another kind with the enterprise's signature
        f"e{world.other_b.pk}.{signature}",  # another unit with this one's signature
        signing.Signer(salt=SALT, sep=".").sign(f"x{world.tenant1.pk}"),  # a kind that does not exist
        signing.Signer(salt="another", sep=".").sign(f"e{world.tenant1.pk}"),  # signed for something else
        signing.Signer(salt=SALT, sep=".").sign("e99999999"),  # genuine, but no such unit
        "nonsense",
        "e1",
    ]
    for bad in forged:
        assert client.get(reverse("risk:plate", args=[bad])).status_code == 404, bad
        client.force_login(world.inspector)
        assert client.post(reverse("risk:plate_checkin", args=[bad]), NEAR).status_code == 404, bad
        client.logout()
    assert not CheckIn.objects.exists()


# --- what each visitor sees ----------------------------------------------------------------------------


def test_anonymous_visitor_sees_name_and_colours_but_no_hazard_person_or_phone(client, world, hazard_category):
    services.report_hazard(
        actor=world.inspector, category=hazard_category, description="配电箱私拉乱接电线", enterprise=world.tenant1
    )
    Enterprise.objects.filter(pk=world.tenant1.pk).update(risk_level=RiskLevel.ORANGE)
    world.inspector.first_name, world.inspector.last_name = "小明", "王"
    world.inspector.save()
    for unit in (world.tenant1, world.parcel):
        response = client.get(plate(unit))
        html = response.content.decode()
        assert response.status_code == 200
        assert unit.name in html
        assert 'data-state="red"' in html  # the parcel has an open hazard: red on the red/green map
        for secret in (
            "配电箱私拉乱接电线",  # the hazard
            hazard_category.name,
            "王小明",
            "inspector-a1",  # the inspector
            world.tenant1.phone,
            world.parcel.landlord_phone,  # phone numbers
            world.tenant1.safety_contact,
            world.tenant1.legal_representative,
            world.parcel.landlord_name,  # people
            "plate-checkin-form",
        ):
            assert secret not in html, secret
        assert "12350" in html  # how to report a problem
    html = client.get(plate(world.tenant1)).content.decode()
    assert 'data-risk="orange"' in html and "较大风险" in html
    assert world.tenant1.credit_code in html


def test_the_office_phone_is_shown_when_set(client, world, settings):
    settings.SAFETY_OFFICE_PHONE = "0579-87000000"
    assert "0579-87000000" in client.get(plate(world.parcel)).content.decode()


@pytest.mark.parametrize("who", ["landlord", "enterprise_user", "leader"])
def test_who_sees_the_unit_but_may_not_check_in_gets_its_page_link(client, world, who):
    client.force_login(getattr(world, who))
    html = client.get(plate(world.tenant1)).content.decode()
    assert world.tenant1.get_absolute_url() in html
    assert "plate-checkin-form" not in html
    response = client.post(checkin_url(world.tenant1), NEAR)
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


def test_another_grids_inspector_sees_the_public_plate_and_cannot_check_in(client, world):
    client.force_login(world.inspector_b)
    html = client.get(plate(world.tenant1)).content.decode()
    assert world.tenant1.name in html
    assert "plate-checkin-form" not in html and world.tenant1.get_absolute_url() not in html
    assert client.post(checkin_url(world.tenant1), NEAR).status_code == 404  # a foreign unit
    assert not CheckIn.objects.exists()


def test_anonymous_check_in_goes_to_the_login(client, world):
    response = client.post(checkin_url(world.tenant1), NEAR)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not CheckIn.objects.exists()


# --- the check-in ------------------------------------------------------------------------------------


def test_inspector_gets_the_check_in_form(client, world):
    client.force_login(world.inspector)
    html = client.get(plate(world.tenant1)).content.decode()
    assert f'action="{checkin_url(world.tenant1)}"' in html
    assert 'name="latitude"' in html and "js/plate.js" in html


def test_a_check_in_near_the_unit_proves_presence(client, world):
    client.force_login(world.inspector)
    response = client.post(checkin_url(world.tenant1), NEAR, follow=True)
    assert response.redirect_chain[-1][0] == world.tenant1.get_absolute_url()
    checkin = CheckIn.objects.get()
    assert checkin.enterprise == world.tenant1 and checkin.inspector == world.inspector
    assert checkin.flag == CheckInFlag.NONE and 20 < checkin.distance < 25 and checkin.accuracy == 12
    assert "已打卡 · 距离 22 米" in response.content.decode()


def test_a_check_in_two_kilometres_away_is_flagged(client, world):
    client.force_login(world.inspector)
    response = client.post(checkin_url(world.parcel), FAR, follow=True)
    assert response.redirect_chain[-1][0] == world.parcel.get_absolute_url()
    checkin = CheckIn.objects.get()
    assert checkin.parcel == world.parcel and checkin.flag == CheckInFlag.FAR
    assert 2000 < checkin.distance < 2200
    assert "距离单位 2.1 公里，已标记" in response.content.decode()


def test_a_check_in_without_a_position_is_recorded_and_flagged(client, world):
    client.force_login(world.manager)
    response = client.post(checkin_url(world.tenant2), {"latitude": "", "longitude": ""}, follow=True)
    assert CheckIn.objects.get().flag == CheckInFlag.NO_POSITION
    assert "未获取定位，已标记" in response.content.decode()


def test_a_bad_position_is_refused_without_a_check_in(client, world):
    client.force_login(world.inspector)
    response = client.post(checkin_url(world.tenant1), {"latitude": "91", "longitude": "120"}, follow=True)
    assert response.redirect_chain[-1][0] == plate(world.tenant1)
    assert "定位数据无效" in response.content.decode()
    assert not CheckIn.objects.exists()


# --- 现场核验 on the unit page ---------------------------------------------------------------------------


def verified_cell(html, inspection):
    row = re.search(rf'<tr id="inspection-{inspection.pk}">(.*?)</tr>', html, re.S).group(1)
    return re.search(r'data-verified="(\w*)">(.*?)</td>', row, re.S).groups()


def test_an_inspection_after_a_near_check_in_is_verified_on_site(client, world):
    client.force_login(world.inspector)
    client.post(checkin_url(world.tenant1), NEAR)
    verified = services.record_inspection(actor=world.inspector, enterprise=world.tenant1)
    unproven = services.record_inspection(actor=world.inspector, enterprise=world.tenant2)  # no check-in there
    page = client.get(world.tenant1.get_absolute_url()).content.decode()
    flag, text = verified_cell(page, verified)
    assert flag == "yes" and "现场核验" in text
    flag, text = verified_cell(client.get(world.tenant2.get_absolute_url()).content.decode(), unproven)
    assert flag == "no" and "未核验" in text
    # the last check-ins, for staff
    assert 'id="checkins"' in page and 'data-flag="none"' in page


def test_an_inspection_after_a_far_check_in_is_not_verified(client, world):
    client.force_login(world.inspector)
    client.post(checkin_url(world.tenant1), FAR)
    inspection = services.record_inspection(actor=world.inspector, enterprise=world.tenant1)
    page = client.get(world.tenant1.get_absolute_url()).content.decode()
    assert verified_cell(page, inspection)[0] == "no"
    assert 'data-flag="far"' in page


def test_unit_pages_show_the_risk_level_and_the_risk_links(client, world):
    Parcel.objects.filter(pk=world.parcel.pk).update(risk_level=RiskLevel.RED)
    client.force_login(world.inspector)
    page = client.get(world.parcel.get_absolute_url()).content.decode()
    assert 'data-risk="red"' in page and "重大风险" in page
    assert f"{reverse('risk:point_list')}?parcel_id={world.parcel.pk}" in page
    assert f"{reverse('risk:plates')}?parcel={world.parcel.pk}" in page
    page = client.get(world.tenant1.get_absolute_url()).content.decode()
    assert f"{reverse('risk:point_list')}?enterprise_id={world.tenant1.pk}" in page
    # a party: its risk points, but no plates to print and no check-ins of inspectors
    client.force_login(world.enterprise_user)
    page = client.get(world.tenant1.get_absolute_url()).content.decode()
    assert f"?enterprise_id={world.tenant1.pk}" in page
    assert reverse("risk:plates") not in page and 'id="checkins"' not in page


# --- the print page ------------------------------------------------------------------------------------


def test_the_print_page_lists_the_grids_units_only_with_their_plate_urls(client, world, settings):
    settings.SITE_URL = "https://aq.example.gov.cn"
    Enterprise.objects.filter(pk=world.tenant2.pk).update(risk_level=RiskLevel.YELLOW)
    client.force_login(world.manager)
    response = client.get(reverse("risk:plates"), {"grid": world.grid_a1.pk})
    html = response.content.decode()
    plates = re.findall(r'data-plate="([^"]*)"', html)
    tenants = sorted([world.tenant1, world.tenant2], key=lambda e: e.name)
    assert plates == [world.parcel.code, *(e.credit_code for e in tenants)]  # the parcel, then its tenants by name
    assert world.other_a2.name not in html and world.other_b.name not in html
    assert html.count("<svg") == 3 and "@page" not in html  # the QR codes inline, the A5 size in plate.css
    assert "css/plate.css" in html
    urls = {p["unit"].name: p["url"] for p in response.context["plates"]}
    assert urls[world.tenant2.name] == "https://aq.example.gov.cn" + world.tenant2.plate_url
    assert 'data-risk="yellow"' in html and "一般风险" in html
    assert "安全风险告知牌" in html and "中申达一网格" in html


def test_the_print_page_of_one_unit_and_the_chooser(client, world):
    client.force_login(world.inspector)
    html = client.get(reverse("risk:plates"), {"enterprise": world.tenant1.pk}).content.decode()
    assert re.findall(r'data-plate="([^"]*)"', html) == [world.tenant1.credit_code]
    chooser = client.get(reverse("risk:plates")).content.decode()
    assert re.findall(r'data-grid="(\d+)"', chooser) == [str(world.grid_a1.pk)]


def test_the_print_page_answers_404_for_another_grid_and_403_for_parties(client, world):
    client.force_login(world.inspector_a2)
    assert client.get(reverse("risk:plates"), {"grid": world.grid_a1.pk}).status_code == 404
    assert client.get(reverse("risk:plates"), {"enterprise": world.tenant1.pk}).status_code == 404
    client.force_login(world.enterprise_user)
    assert client.get(reverse("risk:plates"), {"enterprise": world.tenant1.pk}).status_code == 403
    client.logout()
    assert client.get(reverse("risk:plates"), {"grid": world.grid_a1.pk}).status_code == 302


def test_the_print_page_runs_the_same_queries_for_one_unit_and_thirty(client, world, django_assert_num_queries):
    grid = f.GridFactory(zone=world.zone_a, name="新网格")
    f.ParcelFactory(grid=grid)
    client.force_login(world.manager)
    url = f"{reverse('risk:plates')}?grid={grid.pk}"
    client.get(url)  # warm what is cached per process
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).context["plates"]) == 1
    for _ in range(10):
        parcel = f.ParcelFactory(grid=grid)
        f.EnterpriseFactory(parcel=parcel)
        f.EnterpriseFactory(parcel=parcel)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(url).context["plates"]) == 31
