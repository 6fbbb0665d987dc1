"""The units' tallies (briefing.unit_tally) give the dashboard's patrol and campaign figures that the units
themselves give, through every change of a unit's zone, level, visits, activity, tenancy, drills and letters; the
database notes the changes, the dashboard folds them in, a new year counts everything again, and
``rebuild_summaries`` rebuilds and checks them."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from briefing import unit_tally
from briefing.models import UnitChange, UnitCount, UnitTally
from briefing.views import dashboard
from cases import services
from ledgers.choices import LetterKind, LetterStatus
from ledgers.models import Drill, ResponsibilityLetter
from register.choices import RiskLevel
from register.models import Enterprise, Parcel
from risk.patrols import plan_on
from tests import factories as f
from tests.briefing.test_campaign_figures import drill, letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(db):
    return f.HazardCategoryFactory(code="TE01", name="电气线路私拉乱接", deadline_days=7)


def figures(user, *, tallies):
    """The dashboard's patrol and campaign figures of ``user`` today: from the tallies, or from the units."""
    today = timezone.localdate()
    zone_ids, zone_rows = dashboard.visible_zones(user)
    plan = plan_on()
    units = unit_tally.zone_units(user, today, plan) if tallies else None
    return (
        dashboard.patrols(user, zone_rows, today, units, plan),
        dashboard.campaign_ledgers(user, zone_ids, zone_rows, today, units),
    )


def assert_true(world):
    """The figures from the tallies equal those from the units, for a leader (everything) and a manager (zone A),
    and the tallies agree with a fresh count."""
    for user in (world.leader, world.manager):
        assert figures(user, tallies=True) == figures(user, tallies=False), user.username
    assert unit_tally.check() == []
    assert not UnitChange.objects.exists()


def leader_totals(world):
    patrols, ledgers = figures(world.leader, tallies=True)
    return patrols["coverage"], ledgers["drills"], ledgers["letters"]


def test_the_tallies_follow_every_change_of_a_unit(world, category):
    w = world
    assert_true(w)
    coverage, drills, letters = leader_totals(w)
    assert coverage["units"] == Enterprise.objects.filter(active=True).count() + Parcel.objects.count() == 7
    assert (coverage["covered"], coverage["never_visited"]) == (0, 7)
    assert (letters["landlords"], letters["tenants"], drills["units"]) == (1, 2, 4)

    # a hazard reported at a tenant: a visit to it and to its parcel, today
    services.report_hazard(actor=w.inspector, category=category, description="配电箱无防护", enterprise=w.tenant1)
    assert_true(w)
    assert leader_totals(w)[0]["covered"] == 2
    # an inspection 60 days ago: within a blue unit's cycle (90 days), not a red one's (7)
    f.InspectionFactory(enterprise=w.other_b, inspected_at=timezone.now() - timedelta(days=60))
    assert_true(w)
    assert leader_totals(w)[0]["covered"] == 4
    Enterprise.objects.filter(pk=w.other_b.pk).update(risk_level=RiskLevel.RED)
    Parcel.objects.filter(pk=w.parcel_b.pk).update(risk_level=RiskLevel.ORANGE)
    assert_true(w)
    assert leader_totals(w)[0]["covered"] == 2

    # tenancy: a tenant closes (the parcel is no longer multi-tenant), another moves in, an enterprise moves
    Enterprise.objects.filter(pk=w.tenant2.pk).update(active=False)
    assert_true(w)
    assert (leader_totals(w)[2]["landlords"], leader_totals(w)[2]["tenants"]) == (0, 0)
    Enterprise.objects.filter(pk=w.other_a2.pk).update(parcel=w.parcel)
    assert_true(w)
    Enterprise.objects.filter(pk=w.tenant2.pk).update(active=True)
    Enterprise.objects.filter(pk=w.other_b.pk).update(parcel=w.parcel_a2, grid=w.grid_a2)
    assert_true(w)
    assert leader_totals(w)[2]["tenants"] == 3

    # drills of this year: one recorded for a unit, one a park-wide session with its units; one moved to last
    # year (its units with it), one's units taken off
    today = timezone.localdate()
    own = drill(w, today, 30, enterprise=w.tenant1)
    session = drill(w, today, 50, grid=w.grid_b1, units=[w.other_b, w.tenant2])
    assert_true(w)
    assert leader_totals(w)[1]["units_not_drilled"] == 1
    Drill.objects.filter(pk=session.pk).update(held_on=today.replace(year=today.year - 1))
    assert_true(w)
    Drill.objects.filter(pk=session.pk).update(held_on=today)
    session.units.remove(w.tenant2)
    own.delete()
    assert_true(w)

    # letters of this year: signed, then one expires and one is withdrawn; last year's do not count
    landlord = letter(LetterKind.LANDLORD, today.year, LetterStatus.SIGNED, parcel=w.parcel)
    agreement = letter(
        LetterKind.TENANT_AGREEMENT, today.year, LetterStatus.SIGNED, parcel=w.parcel, enterprise=w.tenant1
    )
    letter(LetterKind.ENTERPRISE, today.year, LetterStatus.SIGNED, enterprise=w.other_b)
    letter(LetterKind.ENTERPRISE, today.year - 1, LetterStatus.SIGNED, enterprise=w.tenant2)
    assert_true(w)
    letters = leader_totals(w)[2]
    assert (letters["landlords_signed"], letters["agreements_signed"], letters["enterprises_signed"]) == (1, 1, 1)
    ResponsibilityLetter.objects.filter(pk=landlord.pk).update(status=LetterStatus.EXPIRED)
    agreement.delete()
    assert_true(w)

    # the register: a grid moved to the other zone (its units with it), an import, a deletion
    w.grid_a2.zone = w.zone_b
    w.grid_a2.save()
    assert_true(w)
    Enterprise.objects.bulk_create(
        [Enterprise(name=f"新企业{i}", credit_code=f"91330784NEW{i:07d}", grid=w.grid_b1) for i in range(3)]
    )
    f.ParcelFactory(grid=w.grid_a1, code="NEW-P")
    assert_true(w)
    Enterprise.objects.get(name="新企业0").delete()
    Parcel.objects.get(code="NEW-P").delete()
    assert_true(w)
    assert leader_totals(w)[0]["units"] == Enterprise.objects.filter(active=True).count() + Parcel.objects.count()


def test_a_change_only_notes_the_unit_and_the_next_dashboard_folds_it_in(client, world, category, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    unit_tally.catch_up()
    before = list(UnitCount.objects.order_by("pk").values_list("pk", "n", "never"))
    f.InspectionFactory(enterprise=world.other_b)
    assert set(UnitChange.objects.values_list("kind", "unit_id")) == {
        ("enterprise", world.other_b.pk),
        ("parcel", world.parcel_b.pk),
    }
    assert list(UnitCount.objects.order_by("pk").values_list("pk", "n", "never")) == before  # not yet counted
    client.force_login(world.leader)
    data = client.get(reverse("briefing:dashboard_data")).json()
    assert data["patrols"]["coverage"]["covered"] == 2 and not UnitChange.objects.exists()


def test_a_new_year_counts_everything_again(world):
    unit_tally.catch_up()
    last_year = timezone.localdate().year - 1
    UnitTally.objects.update(year=last_year)
    letter(LetterKind.ENTERPRISE, timezone.localdate().year, LetterStatus.SIGNED, enterprise=world.tenant1)
    UnitChange.objects.all().delete()  # (not even noted: the year's first fold counts everything)
    assert unit_tally.catch_up() == Enterprise.objects.count() + Parcel.objects.count()
    assert not UnitTally.objects.filter(year=last_year).exists()
    assert_true(world)


def test_the_command_rebuilds_and_checks_the_tallies(world, capsys):
    f.InspectionFactory(enterprise=world.tenant1)
    call_command("rebuild_summaries")
    call_command("rebuild_summaries", "--check")
    assert "单位汇总" in capsys.readouterr().out
    assert_true(world)
    UnitCount.objects.filter(day=unit_tally.ZONE_ROW, kind="enterprise").update(n=9)
    with pytest.raises(CommandError) as failed:
        call_command("rebuild_summaries", "--check")
    assert "briefing_unitcount" in capsys.readouterr().out and failed.value.returncode == 1
    call_command("rebuild_summaries")
    assert_true(world)
