"""The close-out desk says, per parcel ready for a cross-check, whether its landlord letter of this year is signed
and how many tenant agreements are missing (ledgers.letters), and filters on "责任书缺失"; constant queries."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ledgers import letters
from ledgers.choices import LetterKind

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def sign(world, kind, **party):
    return letters.sign_letter(
        actor=world.manager_all, year=YEAR, kind=kind, signatory="张三", signed_on=timezone.localdate(), **party
    )


def ready_rows(response):
    return {row["parcel"].code: row["parcel"] for row in response.context["rows"]}


def test_the_desk_shows_missing_letters_and_filters_on_them(client, world, make_ticket):
    make_ticket("closed")  # the multi-tenant parcel (2 tenants) is ready for a cross-check
    client.force_login(world.manager)
    url = reverse("closeout:closeout_desk")
    response = client.get(url)
    parcel = ready_rows(response)[world.parcel.code]
    assert (parcel.landlord_signed, parcel.agreements_missing) == (False, 2)
    html = response.content.decode()
    assert "房东责任书未签订" in html and 'data-agreements-missing="2"' in html

    sign(world, LetterKind.LANDLORD, parcel=world.parcel)
    sign(world, LetterKind.TENANT_AGREEMENT, enterprise=world.tenant1)
    response = client.get(url, {"letters_missing": "1"})
    parcel = ready_rows(response)[world.parcel.code]
    assert (parcel.landlord_signed, parcel.agreements_missing) == (True, 1)
    assert 'data-agreements-missing="1"' in response.content.decode()

    sign(world, LetterKind.TENANT_AGREEMENT, enterprise=world.tenant2)
    assert ready_rows(client.get(url, {"letters_missing": "1"})) == {}
    row = ready_rows(client.get(url))[world.parcel.code]
    assert (row.landlord_signed, row.agreements_missing) == (True, 0)


def test_last_years_letters_do_not_count(client, world, make_ticket):
    make_ticket("closed")
    letters.sign_letter(
        actor=world.manager_all,
        year=YEAR - 1,
        kind=LetterKind.LANDLORD,
        parcel=world.parcel,
        signatory="张三",
        signed_on=timezone.localdate().replace(year=YEAR - 1, month=6, day=1),
    )
    client.force_login(world.manager)
    parcel = ready_rows(client.get(reverse("closeout:closeout_desk")))[world.parcel.code]
    assert parcel.landlord_signed is False


def test_the_desk_runs_the_same_queries_for_one_ready_parcel_and_several(
    client, world, make_ticket, django_assert_max_num_queries
):
    make_ticket("closed")
    client.force_login(world.manager_all)
    url = reverse("closeout:closeout_desk")
    with django_assert_max_num_queries(60) as few:
        client.get(url, {"letters_missing": "1"})
    make_ticket("closed", enterprise=world.other_a2, manager=world.manager_all, inspector=world.admin)
    make_ticket("closed", enterprise=world.other_b, manager=world.manager_all, inspector=world.admin)
    sign(world, LetterKind.LANDLORD, parcel=world.parcel_b)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"letters_missing": "1"})
    # HC-001's landlord letter is signed and it has one tenant: nothing missing, left out by the filter
    assert set(ready_rows(response)) == {world.parcel.code, world.parcel_a2.code}
    assert world.parcel_b.code in ready_rows(client.get(url))
