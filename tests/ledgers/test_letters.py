"""Responsibility letters: what a year requires, coverage against hand counts, the services' transitions and
refusals, scoping, the pages and the API (constant queries), the exports, and the reminders."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts.choices import Role
from briefing import delivery as deliveries
from briefing import letter_reminders
from briefing.models import Delivery, GroupRobot, InboxMessage
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from ledgers import letters
from ledgers.choices import LetterKind, LetterStatus
from ledgers.models import ResponsibilityLetter
from register.models import Enterprise, Parcel
from tests import factories as f

YEAR = timezone.localdate().year
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def day(month=1, d=5):
    """A day of this year, not after today."""
    return min(date(YEAR, month, d), timezone.localdate())


def sign(world, kind, *, parcel=None, enterprise=None, year=YEAR, actor=None):
    return letters.sign_letter(
        actor=actor or world.manager_all,
        year=year,
        kind=kind,
        parcel=parcel,
        enterprise=enterprise,
        signatory="张三",
        signed_on=day() if year == YEAR else date(year, 6, 1),
    )


@pytest.fixture
def signed(world):
    """A1: landlord letter, tenant1's letter and agreement signed; tenant2's letter only issued.
    B1: other_b's letter signed. Last year's landlord letter of the A2 parcel (does not count this year)."""
    sign(world, LetterKind.LANDLORD, parcel=world.parcel)
    sign(world, LetterKind.ENTERPRISE, enterprise=world.tenant1)
    sign(world, LetterKind.TENANT_AGREEMENT, enterprise=world.tenant1)
    letters.issue_letter(actor=world.manager_all, year=YEAR, kind=LetterKind.ENTERPRISE, enterprise=world.tenant2)
    sign(world, LetterKind.ENTERPRISE, enterprise=world.other_b)
    sign(world, LetterKind.LANDLORD, parcel=world.parcel_a2, year=YEAR - 1)
    return world


def by_name(rows, attr):
    return {getattr(row, attr).name: row for row in rows}


# --- coverage against hand counts ------------------------------------------------------------------------------


def test_coverage_per_grid_and_zone_against_hand_counts(signed):
    w = signed
    figures = letters.coverage(YEAR, parcels=Parcel.objects.all(), enterprises=Enterprise.objects.all())
    grids, zones = by_name(figures["grids"], "grid"), by_name(figures["zones"], "zone")

    # A1: the multi-tenant parcel with 2 tenants: 1 landlord letter + 2 enterprise letters + 2 agreements
    a1 = grids[w.grid_a1.name]
    assert (a1.landlord_required, a1.enterprise_required, a1.agreement_required) == (1, 2, 2)
    assert (a1.required, a1.signed, a1.missing, a1.rate) == (5, 3, 2, 60.0)
    # A2: a single-tenant parcel: its landlord letter and its one tenant's letter, no agreement; last year's
    # signed landlord letter does not count
    a2 = grids[w.grid_a2.name]
    assert (a2.landlord_required, a2.enterprise_required, a2.agreement_required) == (1, 1, 0)
    assert (a2.required, a2.signed, a2.rate) == (2, 0, 0.0)
    b1 = grids[w.grid_b1.name]
    assert (b1.required, b1.signed, b1.rate) == (2, 1, 50.0)
    assert (zones[w.zone_a.name].required, zones[w.zone_a.name].signed, zones[w.zone_a.name].rate) == (7, 3, 42.9)
    assert (zones[w.zone_b.name].required, zones[w.zone_b.name].signed) == (2, 1)
    assert (figures["total"].required, figures["total"].signed) == (9, 4)


def test_an_issued_or_expired_letter_is_not_covered_and_an_inactive_tenant_needs_none(signed):
    w = signed
    landlord = letters.letter_for(YEAR, LetterKind.LANDLORD, parcel=w.parcel)
    letters.expire_letter(landlord, actor=w.manager_all)
    w.tenant2.active = False
    w.tenant2.save()
    figures = letters.coverage(YEAR, parcels=Parcel.objects.all(), enterprises=Enterprise.objects.all())
    a1 = by_name(figures["grids"], "grid")[w.grid_a1.name]
    # one active tenant left: not multi-tenant any more, so no agreement is required
    assert (a1.landlord_required, a1.enterprise_required, a1.agreement_required) == (1, 1, 0)
    assert (a1.landlord_signed, a1.enterprise_signed) == (0, 1)


def test_missing_list_names_each_party(signed):
    w = signed
    missing = letters.missing_letters(YEAR, parcels=Parcel.objects.all(), enterprises=Enterprise.objects.all())
    found = {(item.kind, item.party_name, item.status) for item in missing}
    assert found == {
        (LetterKind.ENTERPRISE, w.tenant2.name, LetterStatus.ISSUED),
        (LetterKind.TENANT_AGREEMENT, w.tenant2.name, None),
        (LetterKind.LANDLORD, w.parcel_a2.landlord_name or w.parcel_a2.name, None),
        (LetterKind.ENTERPRISE, w.other_a2.name, None),
        (LetterKind.LANDLORD, w.parcel_b.landlord_name or w.parcel_b.name, None),
    }


def test_coverage_is_scoped_and_counted_in_constant_queries(signed, django_assert_max_num_queries):
    w = signed
    figures = letters.coverage_for(w.manager, YEAR)
    assert {row.zone.name for row in figures["zones"]} == {w.zone_a.name}
    assert figures["total"].required == 7
    inspector = letters.coverage_for(w.inspector, YEAR)
    assert [row.grid.name for row in inspector["grids"]] == [w.grid_a1.name]
    for n in range(20):
        f.EnterpriseFactory(parcel=w.parcel_b, name=f"新增{n}")
    with django_assert_max_num_queries(6):
        letters.coverage_for(w.manager_all, YEAR)
    with django_assert_max_num_queries(4):
        letters.missing_for(w.manager_all, YEAR)


# --- services: transitions and refusals ------------------------------------------------------------------------------


def test_issue_then_sign_then_expire(world):
    letter = letters.issue_letter(actor=world.inspector, year=YEAR, kind=LetterKind.LANDLORD, parcel=world.parcel)
    assert letter.status == LetterStatus.ISSUED and letter.issued_on == timezone.localdate()
    assert letter.template.kind == LetterKind.LANDLORD and letter.grid == world.grid_a1
    scan = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    letter = letters.change_letter(
        letter,
        actor=world.inspector,
        status=LetterStatus.SIGNED,
        signatory="王房东",
        signed_on=timezone.localdate(),
        scan=scan,
    )
    assert (letter.status, letter.signatory, letter.updated_by) == (LetterStatus.SIGNED, "王房东", world.inspector)
    assert letter.scan.name.endswith(".pdf")
    letter = letters.expire_letter(letter, actor=world.manager)
    assert letter.status == LetterStatus.EXPIRED
    with pytest.raises(TransitionNotAllowed):
        letters.change_letter(
            letter, actor=world.manager, status=LetterStatus.SIGNED, signatory="x", signed_on=timezone.localdate()
        )
    assert ResponsibilityLetter.objects.count() == 1


@pytest.mark.parametrize(
    ("signed_on", "code"),
    [
        (lambda: timezone.localdate() + timedelta(days=1), "signed_on_future"),
        (lambda: date(YEAR - 3, 5, 1), "signed_on_out_of_year"),
        (lambda: None, "signed_on_required"),
    ],
)
def test_bad_signed_dates_are_refused(world, signed_on, code):
    with pytest.raises(ValidationFailed) as refused:
        letters.sign_letter(
            actor=world.manager,
            year=YEAR,
            kind=LetterKind.LANDLORD,
            parcel=world.parcel,
            signatory="x",
            signed_on=signed_on(),
        )
    assert refused.value.code == code
    assert not ResponsibilityLetter.objects.exists()


def test_signed_before_issued_and_bad_party_and_scan_are_refused(world):
    issued = letters.issue_letter(actor=world.manager, year=YEAR, kind=LetterKind.LANDLORD, parcel=world.parcel)
    if issued.issued_on > date(YEAR, 1, 1):
        with pytest.raises(ValidationFailed) as refused:
            letters.change_letter(
                issued,
                actor=world.manager,
                status=LetterStatus.SIGNED,
                signatory="x",
                signed_on=issued.issued_on - timedelta(days=1),
            )
        assert refused.value.code == "signed_before_issued"
    with pytest.raises(ValidationFailed) as refused:
        letters.issue_letter(
            actor=world.manager, year=YEAR, kind=LetterKind.TENANT_AGREEMENT, enterprise=world.other_a2
        )
    assert refused.value.code == "not_multi_tenant"
    with pytest.raises(ValidationFailed) as refused:
        letters.issue_letter(actor=world.manager, year=YEAR, kind=LetterKind.LANDLORD, enterprise=world.tenant1)
    assert refused.value.code == "parcel_required"
    with pytest.raises(ValidationFailed) as refused:
        letters.issue_letter(actor=world.manager, year=YEAR + 5, kind=LetterKind.ENTERPRISE, enterprise=world.tenant1)
    assert refused.value.code == "year_invalid"
    fake = SimpleUploadedFile("scan.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as refused:
        letters.sign_letter(
            actor=world.manager,
            year=YEAR,
            kind=LetterKind.ENTERPRISE,
            enterprise=world.tenant1,
            signatory="x",
            signed_on=timezone.localdate(),
            scan=fake,
        )
    assert refused.value.code == "scan_type"


def test_scope_and_role_refusals(world):
    with pytest.raises(NotPermitted) as refused:
        letters.issue_letter(actor=world.inspector, year=YEAR, kind=LetterKind.LANDLORD, parcel=world.parcel_b)
    assert refused.value.code == "out_of_scope"
    with pytest.raises(NotPermitted) as refused:
        letters.issue_letter(actor=world.leader, year=YEAR, kind=LetterKind.LANDLORD, parcel=world.parcel)
    assert refused.value.code == "not_permitted"
    # a party may record its own signed letter, but not issue one
    with pytest.raises(NotPermitted) as refused:
        letters.issue_letter(
            actor=world.enterprise_user, year=YEAR, kind=LetterKind.ENTERPRISE, enterprise=world.tenant1
        )
    assert refused.value.code == "office_only"
    letter = letters.sign_letter(
        actor=world.enterprise_user,
        year=YEAR,
        kind=LetterKind.ENTERPRISE,
        enterprise=world.tenant1,
        signatory="甲老板",
        signed_on=timezone.localdate(),
    )
    assert letter.status == LetterStatus.SIGNED


# --- pages -------------------------------------------------------------------------------------------------------------


def test_letter_list_is_scoped_filtered_and_constant_in_queries(signed, client, django_assert_max_num_queries):
    w = signed
    client.force_login(w.manager)
    url = reverse("ledgers:letter_list")
    response = client.get(url)
    assert response.status_code == 200
    shown = {letter.party_name for letter in response.context["object_list"]}
    assert w.other_b.name not in shown and w.tenant1.name in shown
    assert len(response.context["object_list"]) == 4  # this year's, in zone A (last year's left out)
    response = client.get(url, {"year": YEAR - 1})
    assert [letter.year for letter in response.context["object_list"]] == [YEAR - 1]
    response = client.get(url, {"status": "issued"})
    assert [letter.enterprise for letter in response.context["object_list"]] == [w.tenant2]
    client.force_login(w.manager_all)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(25):
        sign(w, LetterKind.ENTERPRISE, enterprise=f.EnterpriseFactory(parcel=w.parcel_b, name=f"企业{n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["object_list"]) == 30


def test_coverage_page_shows_figures_and_missing_in_constant_queries(signed, client, django_assert_max_num_queries):
    w = signed
    client.force_login(w.manager_all)
    url = reverse("ledgers:letter_coverage")
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["figures"]["total"].required == 9
    assert response.context["missing_count"] == 5
    assert "提醒未签订的责任方" in response.content.decode()
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(10):
        f.EnterpriseFactory(parcel=f.ParcelFactory(grid=w.grid_b1, code=f"N-{n}"), name=f"新企业{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.context["missing_count"] == 25
    # a party does not open it
    client.force_login(w.enterprise_user)
    assert client.get(url).status_code == 403


def test_record_page_signs_with_scan_and_serves_it_only_in_scope(world, client):
    client.force_login(world.inspector)
    url = reverse("ledgers:letter_record", args=["landlord", world.parcel.pk]) + f"?year={YEAR}"
    assert client.get(url).status_code == 200
    scan = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    response = client.post(
        url, {"status": "signed", "signatory": "王房东", "signed_on": timezone.localdate().isoformat(), "scan": scan}
    )
    assert response.status_code == 302
    letter = ResponsibilityLetter.objects.get()
    assert (letter.status, letter.signatory) == (LetterStatus.SIGNED, "王房东")
    scan_url = reverse("ledgers:letter_scan", args=[letter.pk])
    response = client.get(scan_url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(world.inspector_b)
    assert client.get(scan_url).status_code == 404
    # a future date is refused on the form, and nothing changes
    client.force_login(world.inspector)
    url = reverse("ledgers:letter_record", args=["enterprise", world.tenant1.pk]) + f"?year={YEAR}"
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = client.post(url, {"status": "signed", "signatory": "x", "signed_on": future})
    assert response.status_code == 400
    assert ResponsibilityLetter.objects.count() == 1


def test_record_page_of_a_foreign_unit_is_404(world, client):
    client.force_login(world.inspector)
    assert client.get(reverse("ledgers:letter_record", args=["landlord", world.parcel_b.pk])).status_code == 404
    assert client.get(reverse("ledgers:letter_record", args=["enterprise", world.other_b.pk])).status_code == 404
    assert client.get(reverse("ledgers:letter_record", args=["nonsense", world.parcel.pk])).status_code == 404


def test_exports_list_the_rows_and_the_missing(signed, client):
    client.force_login(signed.manager_all)
    response = client.get(reverse("ledgers:letter_export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 1 + 5  # this year's five letters
    response = client.get(reverse("ledgers:letter_missing_export"), {"zone_id": signed.zone_a.pk})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    parties = {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert parties == {
        signed.tenant2.name,
        signed.other_a2.name,
        signed.parcel_a2.landlord_name or signed.parcel_a2.name,
    }


# --- API -------------------------------------------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_lists_scoped_creates_and_patches(signed, django_assert_max_num_queries):
    w = signed
    client = api(w.inspector)
    response = client.get("/api/v1/letters/")
    assert response.status_code == 200
    assert {row["grid"] for row in response.json()["results"]} == {w.grid_a1.pk}
    foreign = letters.letter_for(YEAR, LetterKind.ENTERPRISE, enterprise=w.other_b)
    assert client.get(f"/api/v1/letters/{foreign.pk}/").status_code == 404
    assert client.patch(f"/api/v1/letters/{foreign.pk}/", {"status": "expired"}, format="json").status_code == 404
    response = client.post(
        "/api/v1/letters/",
        {"year": YEAR, "kind": "tenant_agreement", "enterprise": w.tenant2.pk, "status": "issued"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = client.patch(
        f"/api/v1/letters/{pk}/",
        {"status": "signed", "signatory": "乙", "signed_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "signed_on_future"
    response = client.patch(
        f"/api/v1/letters/{pk}/",
        {"status": "signed", "signatory": "乙", "signed_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert response.json()["status"] == "signed"
    assert client.patch(f"/api/v1/letters/{pk}/", {"status": "issued"}, format="json").status_code == 409
    response = client.post(
        "/api/v1/letters/",
        {"year": YEAR, "kind": "landlord", "parcel": w.parcel_b.pk, "status": "issued"},
        format="json",
    )
    assert response.status_code == 403
    manager = api(w.manager_all)
    with django_assert_max_num_queries(12) as few:
        manager.get("/api/v1/letters/")
    for n in range(20):
        sign(w, LetterKind.ENTERPRISE, enterprise=f.EnterpriseFactory(parcel=w.parcel_b, name=f"API企业{n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager.get("/api/v1/letters/", {"kind": "enterprise"})
    assert response.json()["count"] == 23


# --- reminders -------------------------------------------------------------------------------------------------------------


def send_all(ids):
    for pk in ids:
        deliveries.deliver(pk)


def test_reminders_reach_the_parties_with_accounts_once_a_day(signed, client, django_capture_on_commit_callbacks):
    w = signed
    tenant2_user = f.UserFactory(username="tenant2-owner", role=Role.ENTERPRISE)
    tenant2_user.enterprises.add(w.tenant2)
    other_b_user = f.UserFactory(username="other-b-owner", role=Role.ENTERPRISE)
    other_b_user.enterprises.add(w.other_b)  # other_b signed: nothing to remind
    a2_landlord = f.UserFactory(username="a2-landlord", role=Role.LANDLORD)
    w.parcel_a2.landlord_user = a2_landlord
    w.parcel_a2.save()
    GroupRobot.objects.create(grid=w.grid_a2, kind="wecom", url="https://qyapi.weixin.qq.com/x?key=1")
    pending, reminded, before = letter_reminders.plan(YEAR, actor=w.manager)
    # in zone A: tenant2 (its letter and agreement), the A1 landlord (tenant2's agreement), the A2 landlord
    assert (reminded, before) == (3, 0)
    assert Delivery.objects.filter(key__contains=":g").count() == 1  # the A2 grid's robot
    inbox_ids = list(Delivery.objects.filter(channel="inbox", pk__in=pending).values_list("pk", flat=True))
    send_all(inbox_ids)
    messages = {m.user.username: m for m in InboxMessage.objects.select_related("user")}
    assert set(messages) == {"tenant2-owner", "landlord", "a2-landlord"}
    assert messages["tenant2-owner"].data["count"] == 2
    assert w.tenant2.name in messages["landlord"].data["letters"]
    # again the same day: nothing new (only the robot's message, not sent yet, is still pending)
    rows = Delivery.objects.count()
    pending, reminded, before = letter_reminders.plan(YEAR, actor=w.manager)
    assert (reminded, before) == (0, 3) and Delivery.objects.count() == rows
    assert list(Delivery.objects.filter(pk__in=pending).values_list("channel", flat=True)) == ["wecom"]
    # the button: managers only, with a count message
    client.force_login(w.manager)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("briefing:letter_remind"), {"year": YEAR}, follow=True)
    assert "3 个账号今天已提醒过" in response.content.decode()
    client.force_login(w.inspector)
    assert client.post(reverse("briefing:letter_remind"), {"year": YEAR}).status_code == 403
    assert InboxMessage.objects.count() == 3


def test_a_letter_signed_after_the_plan_is_not_reminded(signed):
    w = signed
    tenant2_user = f.UserFactory(username="tenant2-owner", role=Role.ENTERPRISE)
    tenant2_user.enterprises.add(w.tenant2)
    pending, _reminded, _before = letter_reminders.plan(YEAR, actor=w.manager)
    letters.change_letter(
        letters.letter_for(YEAR, LetterKind.ENTERPRISE, enterprise=w.tenant2),
        actor=w.manager,
        status=LetterStatus.SIGNED,
        signatory="乙",
        signed_on=timezone.localdate(),
    )
    sign(w, LetterKind.TENANT_AGREEMENT, enterprise=w.tenant2)
    send_all(list(Delivery.objects.filter(pk__in=pending, recipient="tenant2-owner").values_list("pk", flat=True)))
    assert not InboxMessage.objects.filter(user=tenant2_user).exists()
