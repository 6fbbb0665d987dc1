"""Levels kept current: what changes an input schedules its units, recomputed once at commit."""

import pytest

from register.choices import RiskLevel
from register.models import Enterprise, Parcel, RiskTagOption
from risk import receivers
from risk.services import declare_risk_point
from risk.tasks import recompute_risk_levels_task

pytestmark = pytest.mark.django_db


def declare(world, enterprise):
    return declare_risk_point(
        actor=world.manager_all,
        enterprise=enterprise,
        name="除尘系统",
        likelihood="3",
        exposure="10",
        consequence="15",  # 450: red
        responsible_person="赵六",
    )


def test_one_recompute_per_transaction_for_the_units_touched(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        declare(world, world.other_a2)
        declare(world, world.other_b)
    assert callbacks  # nothing is recomputed before the commit
    assert Enterprise.objects.get(pk=world.other_a2.pk).risk_level == RiskLevel.BLUE
    for callback in callbacks:
        callback()
    levels = dict(Enterprise.objects.values_list("name", "risk_level"))
    assert levels[world.other_a2.name] == levels[world.other_b.name] == RiskLevel.RED
    assert levels[world.tenant1.name] == RiskLevel.BLUE
    assert Parcel.objects.get(pk=world.parcel_b.pk).risk_level == RiskLevel.RED


def test_deferred_loads_leave_levels_to_one_recompute(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), receivers.deferred():
        declare(world, world.other_b)
        world.tenant1.risk_tags.add(RiskTagOption.objects.get(code="lithium"))
    assert Enterprise.objects.get(pk=world.other_b.pk).risk_level == RiskLevel.BLUE
    assert recompute_risk_levels_task.apply().get() == {"enterprises": 4, "parcels": 3}
    assert Enterprise.objects.get(pk=world.other_b.pk).risk_level == RiskLevel.RED
    assert Enterprise.objects.get(pk=world.tenant1.pk).risk_level == RiskLevel.ORANGE


def test_an_enterprise_leaving_a_parcel_lowers_it_at_the_nightly_recompute(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        declare(world, world.tenant2)
    assert Parcel.objects.get(pk=world.parcel.pk).risk_level == RiskLevel.RED
    with django_capture_on_commit_callbacks(execute=True):
        world.tenant2.active = False
        world.tenant2.save()
    # The parcel has one active tenant left and nothing declared: no longer multi-tenant, blue.
    assert Parcel.objects.get(pk=world.parcel.pk).risk_level == RiskLevel.BLUE
