import pytest

from register.models import Enterprise, Grid, Parcel, Zone
from tests import factories as f

pytestmark = pytest.mark.django_db


def names(qs):
    return sorted(str(x) for x in qs.values_list("name", flat=True))


def test_inspector_sees_only_their_grids(world):
    assert names(Parcel.objects.visible_to(world.inspector)) == ["中申达1号厂房"]
    assert names(Enterprise.objects.visible_to(world.inspector)) == ["永康乙工贸有限公司", "永康甲五金有限公司"]
    assert names(Grid.objects.visible_to(world.inspector)) == ["中申达一网格"]
    assert names(Zone.objects.visible_to(world.inspector)) == ["中申达"]


def test_zone_manager_sees_their_zone_and_unscoped_manager_sees_all(world):
    assert names(Parcel.objects.visible_to(world.manager)) == ["中申达1号厂房", "中申达201号厂房"]
    assert Parcel.objects.visible_to(world.manager_all).count() == 3
    assert Enterprise.objects.visible_to(world.leader).count() == 4


def test_enterprise_user_sees_only_its_own(world):
    assert names(Enterprise.objects.visible_to(world.enterprise_user)) == ["永康甲五金有限公司"]
    assert names(Parcel.objects.visible_to(world.enterprise_user)) == ["中申达1号厂房"]
    assert not Grid.objects.visible_to(world.enterprise_user).filter(pk=world.grid_b1.pk).exists()


def test_landlord_sees_every_tenant_of_their_parcels(world):
    assert names(Parcel.objects.visible_to(world.landlord)) == ["中申达1号厂房"]
    assert names(Enterprise.objects.visible_to(world.landlord)) == ["永康乙工贸有限公司", "永康甲五金有限公司"]


def test_user_without_role_or_inactive_sees_nothing(world):
    nobody = f.UserFactory(username="nobody", role="")
    assert Parcel.objects.visible_to(nobody).count() == 0
    world.manager_all.is_active = False
    assert Parcel.objects.visible_to(world.manager_all).count() == 0


def test_multi_tenant_parcel(world):
    parcels = {p.code: p for p in Parcel.objects.with_tenant_counts()}
    assert parcels["ZSD-001"].is_multi_tenant
    assert not parcels["HC-001"].is_multi_tenant
    assert list(Parcel.objects.multi_tenant().values_list("code", flat=True)) == ["ZSD-001"]
