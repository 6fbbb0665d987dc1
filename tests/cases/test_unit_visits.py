"""Each unit's last visit, kept by the database's triggers (cases migration 0009): after inserts one by one
and in bulk, a capture made offline days ago, a hazard moved to another unit, and deletes, the tables hold
exactly the latest inspection or hazard report of each enterprise and parcel."""

from datetime import timedelta

import pytest
from django.db.models import Max
from django.utils import timezone

from cases.models import EnterpriseVisit, Hazard, Inspection, ParcelVisit
from cases.unit_visits import refill_unit_visits
from tests import factories as f

pytestmark = pytest.mark.django_db


def truth():
    """{(kind, unit id): last visit} computed from the rows."""
    last = {}
    for model, moment in ((Inspection, "inspected_at"), (Hazard, "reported_at")):
        for kind, field in (("enterprise", "enterprise_id"), ("parcel", "parcel_id")):
            rows = model.objects.filter(**{f"{field}__isnull": False}).values(field).annotate(at=Max(moment))
            for row in rows.order_by():
                key = (kind, row[field])
                last[key] = max(last.get(key, row["at"]), row["at"])
    return last


def stored():
    rows = {("enterprise", pk): at for pk, at in EnterpriseVisit.objects.values_list("enterprise_id", "at")}
    rows |= {("parcel", pk): at for pk, at in ParcelVisit.objects.values_list("parcel_id", "at")}
    return rows


def test_the_last_visit_follows_inserts_moves_and_deletes(world):
    now = timezone.now()
    unit, other = world.tenant1, world.other_b
    # an inspection, then a hazard report later the same day
    f.InspectionFactory(enterprise=unit, inspected_at=now - timedelta(hours=5))
    latest = f.HazardFactory(enterprise=unit, reported_at=now - timedelta(hours=1))
    assert EnterpriseVisit.objects.get(enterprise=unit).at == latest.reported_at
    assert ParcelVisit.objects.get(parcel=unit.parcel).at == latest.reported_at
    # a capture made offline three days ago arrives now: the last visit stays the later one
    f.InspectionFactory(enterprise=unit, inspected_at=now - timedelta(days=3))
    assert EnterpriseVisit.objects.get(enterprise=unit).at == latest.reported_at
    # a bulk insert (the demo's builders, imports) counts too
    category = f.HazardCategoryFactory()
    Hazard.objects.bulk_create(
        [
            f.HazardFactory.build(
                enterprise=other, category=category, reporter=world.inspector, reported_at=now - timedelta(days=days)
            )
            for days in (9, 2)
        ]
    )
    assert EnterpriseVisit.objects.get(enterprise=other).at == now - timedelta(days=2)
    assert stored() == truth()

    # a hazard moved to another unit: the first unit falls back to its earlier visit
    Hazard.objects.filter(pk=latest.pk).update(enterprise=other, parcel=other.parcel)
    assert EnterpriseVisit.objects.get(enterprise=unit).at == now - timedelta(hours=5)
    assert EnterpriseVisit.objects.get(enterprise=other).at == latest.reported_at
    assert stored() == truth()

    # deletes: the unit with no visit left has no row
    Hazard.objects.filter(enterprise=other).delete()
    assert not EnterpriseVisit.objects.filter(enterprise=other).exists()
    Inspection.objects.filter(enterprise=unit, inspected_at__gte=now - timedelta(hours=6)).delete()
    assert EnterpriseVisit.objects.get(enterprise=unit).at == now - timedelta(days=3)
    assert stored() == truth()


def test_refilling_after_a_bulk_load_gives_the_triggers_rows(world):
    # seed_demo empties and refills the tables after its bulk inserts (cases.unit_visits): the same rows, by
    # the same rule, as the triggers kept, and a visit after the refill is kept by the triggers again
    now = timezone.now()
    f.InspectionFactory(enterprise=world.tenant1, inspected_at=now - timedelta(days=4))
    f.HazardFactory(enterprise=world.other_b, reported_at=now - timedelta(hours=2))
    f.InspectionFactory(parcel=world.parcel, inspected_at=now - timedelta(days=1))
    kept = stored()
    assert kept == truth() and kept

    written = refill_unit_visits()

    assert stored() == kept
    assert written == {"enterprisevisit": EnterpriseVisit.objects.count(), "parcelvisit": ParcelVisit.objects.count()}
    later = f.HazardFactory(enterprise=world.tenant1, reported_at=now)
    assert EnterpriseVisit.objects.get(enterprise=world.tenant1).at == later.reported_at
    assert stored() == truth()
