"""Register rows with history and campaigns are deactivated in the admin, never deleted."""

import pytest
from django.urls import reverse

from accounts.models import User
from catalogue.models import Campaign
from register.models import Enterprise, Parcel
from tests import factories as f


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def delete_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_delete", args=[obj.pk])


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_no_delete_page_for_parcels_enterprises_users_and_campaigns(admin_client, world):
    campaign = f.CampaignFactory()
    for obj in (world.parcel, world.tenant1, world.inspector, campaign):
        assert admin_client.get(delete_url(obj)).status_code == 403, obj
        assert admin_client.post(delete_url(obj), {"post": "yes"}).status_code == 403, obj
        change = admin_client.get(
            reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        ).content.decode()
        assert delete_url(obj) not in change, obj  # no 删除 link on the change page
    for model in (Parcel, Enterprise, User, Campaign):
        assert "delete_selected" not in admin_client.get(changelist(model)).content.decode(), model
    assert Parcel.objects.filter(pk=world.parcel.pk).exists()
    assert Enterprise.objects.filter(pk=world.tenant1.pk).exists()
    assert User.objects.filter(pk=world.inspector.pk).exists()


def test_bulk_delete_is_refused(admin_client, world):
    response = admin_client.post(
        changelist(Enterprise), {"action": "delete_selected", "_selected_action": [world.tenant1.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert Enterprise.objects.filter(pk=world.tenant1.pk).exists()


def test_a_campaign_is_deactivated_and_its_inspections_stay_linked(admin_client, world):
    campaign = f.CampaignFactory()
    inspection = f.InspectionFactory(enterprise=world.tenant1, campaign=campaign)

    response = admin_client.post(
        changelist(Campaign), {"action": "deactivate", "_selected_action": [campaign.pk]}, follow=True
    )
    assert response.status_code == 200
    campaign.refresh_from_db()
    inspection.refresh_from_db()
    assert campaign.active is False and inspection.campaign_id == campaign.pk

    admin_client.post(changelist(Campaign), {"action": "reactivate", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.active is True


def test_an_enterprise_is_deactivated(admin_client, world):
    admin_client.post(changelist(Enterprise), {"action": "deactivate", "_selected_action": [world.tenant2.pk]})
    world.tenant2.refresh_from_db()
    assert world.tenant2.active is False


def test_an_account_is_deactivated_not_deleted(admin_client, world):
    admin_client.post(
        changelist(User), {"action": "deactivate_accounts", "_selected_action": [world.inspector.pk, world.admin.pk]}
    )
    world.inspector.refresh_from_db()
    world.admin.refresh_from_db()
    assert world.inspector.is_active is False
    assert world.admin.is_active is True  # never oneself
