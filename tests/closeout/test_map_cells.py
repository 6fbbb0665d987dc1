"""The map's cells (closeout.map_cells) hold what grouping the parcels gives, through every change that moves a
parcel between states, places, zones and risk levels; the database notes the changes, a map folds them in, and
``rebuild_summaries`` rebuilds and checks them."""

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from briefing.figures import compute_figures
from briefing.views import dashboard
from cases import services
from cases.choices import HazardStatus
from cases.models import Hazard
from closeout import map_cells, parcel_map
from closeout.map_cells import cell_size
from closeout.models import MapCell, MapChange
from closeout.querysets import ParcelState
from register.choices import CloseoutState, RiskLevel
from register.models import Parcel
from tests import factories as f

pytestmark = pytest.mark.django_db

ZOOMS = (9, 12, 14)


@pytest.fixture
def parcels(world):
    """Parcels of both zones spread over a few cells, one without coordinates."""
    made = []
    for i in range(9):
        grid = (world.grid_a1, world.grid_a2, world.grid_b1)[i % 3]
        made.append(
            f.ParcelFactory(
                grid=grid,
                code=f"CELL-{i}",
                latitude=28.9 + (i // 3) * 0.013,
                longitude=120.05 + (i % 3) * 0.021,
                risk_level=RiskLevel.RED if i == 4 else RiskLevel.BLUE,
            )
        )
    made.append(f.ParcelFactory(grid=world.grid_a1, code="CELL-NOWHERE", latitude=None, longitude=None))
    return made


def close(a, b, path="answer"):
    """``a`` equals ``b``, floats to 1e-6 (a sum of coordinates kept through changes, against one summed anew)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for key in a:
            close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            close(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert b == pytest.approx(a, abs=1e-6), path
    else:
        assert a == b, path


def kept(user, zoom):
    zone_rows, cell_rows = map_cells.scope_rows(user, zoom)
    return parcel_map._summary_and_zones(zone_rows), parcel_map.clusters(None, zoom, rows=cell_rows)


def grouped(user, zoom):
    rows = parcel_map._scope_rows(Parcel.objects.visible_to(user), cell_size(zoom))
    return parcel_map._summary_and_zones(rows), parcel_map.clusters(None, zoom, rows=rows)


PARCEL_FIGURES = [f"parcels_{name}" for name in ("total", "closed_out", "crosscheck", *ParcelState.values)]


def parcel_figures(user, *, kept):
    """The dashboard's parcel figures of ``user``'s zones: from the cells' zone rows, or from the parcels."""
    today = timezone.localdate()
    parcels = map_cells.zone_states(user) if kept else None
    figure_set = compute_figures(activity=(today, today), parcels=parcels)
    zones = [pk for pk, _name in dashboard.visible_zones(user)[1]]
    return {pk: [getattr(figure_set.zones[pk], name) for name in PARCEL_FIGURES] for pk in zones}


def assert_true(world):
    """The cells agree with a fresh count, and the map's legend, zones and clusters read from them equal those
    grouped from the parcels, for a leader (everything) and a manager (zone A)."""
    for user in (world.leader, world.manager):
        for zoom in ZOOMS:
            close(kept(user, zoom), grouped(user, zoom), f"{user.username}@{zoom}")
        scope = Parcel.objects.visible_to(user)
        assert parcel_map._red_list(scope, cells_of=user) == parcel_map._red_list(scope)
        assert parcel_figures(user, kept=True) == parcel_figures(user, kept=False), user.username
    assert map_cells.check() == []
    assert not MapChange.objects.exists()


def test_the_cells_follow_every_change_of_state_place_zone_and_risk(world, parcels):
    assert_true(world)
    summary = kept(world.leader, 12)[0][0]
    assert summary["total"] == Parcel.objects.count() and summary["unlocated"] == 1

    services.report_hazard(  # a hazard: red, and a visit
        actor=world.inspector, category=f.HazardCategoryFactory(), description="配电箱无防护", enterprise=world.tenant1
    )
    hazard = f.HazardFactory(enterprise=None, parcel=parcels[0])
    f.HazardFactory(enterprise=None, parcel=parcels[0])  # two open: first in the red list
    assert kept(world.leader, 12)[0][0]["red"] == 2
    assert [item["code"] for item in parcel_map._red_list(None, cells_of=world.leader)] == ["CELL-0", "ZSD-001"]
    assert_true(world)

    Hazard.objects.filter(pk=hazard.pk).update(status=HazardStatus.RECTIFIED)  # closed: no longer red
    assert_true(world)
    Hazard.objects.filter(parcel=world.parcel).update(withdrawn=True)
    assert_true(world)
    Hazard.objects.filter(pk=hazard.pk).update(parcel=parcels[5], status=HazardStatus.REPORTED)  # moved, open
    assert_true(world)

    Parcel.objects.filter(pk=parcels[1].pk).update(latitude=29.2, longitude=120.3)  # moved far away
    Parcel.objects.filter(pk=parcels[2].pk).update(latitude=None)  # lost its point
    Parcel.objects.filter(pk=parcels[8].pk).update(risk_level=RiskLevel.ORANGE)
    Parcel.objects.filter(pk=parcels[3].pk).update(
        closeout_state=CloseoutState.GREEN, closed_out_at=timezone.now()
    )  # closed out
    Parcel.objects.filter(pk=parcels[6].pk).update(closeout_state=CloseoutState.CROSSCHECK)  # pending
    assert_true(world)
    closed_out, crosscheck = (sum(zone[i] for zone in parcel_figures(world.leader, kept=True).values()) for i in (1, 2))
    assert (closed_out, crosscheck) == (1, 1)

    f.InspectionFactory(enterprise=None, parcel=parcels[7], grid=parcels[7].grid)  # inspected: green
    assert_true(world)

    world.grid_a2.zone = world.zone_b  # a grid moved to the other zone, its parcels with it
    world.grid_a2.save()
    assert_true(world)

    Parcel.objects.bulk_create(  # an import
        [
            Parcel(code=f"NEW-{i}", name=f"新宗地{i}", grid=world.grid_b1, latitude=28.95, longitude=120.1)
            for i in range(3)
        ]
    )
    Parcel.objects.get(code="CELL-NOWHERE").delete()
    Parcel.objects.get(code="NEW-0").delete()
    assert_true(world)
    assert kept(world.leader, 12)[0][0]["total"] == Parcel.objects.count()


def test_a_change_only_notes_the_parcel_and_the_next_map_folds_it_in(client, world, parcels):
    map_cells.catch_up()
    before = list(MapCell.objects.order_by("pk").values_list("pk", "n", "state"))
    f.HazardFactory(enterprise=None, parcel=parcels[0])
    assert set(MapChange.objects.values_list("parcel_id", flat=True)) == {parcels[0].pk}
    assert list(MapCell.objects.order_by("pk").values_list("pk", "n", "state")) == before  # not yet counted
    client.force_login(world.leader)
    data = client.get(reverse("closeout:map_data"), {"bbox": "119.9,28.8,120.3,29.1", "zoom": 12}).json()
    assert data["summary"]["red"] == 1 and not MapChange.objects.exists()


def test_the_command_rebuilds_and_checks_the_cells(world, parcels, capsys):
    f.HazardFactory(enterprise=None, parcel=parcels[0])
    call_command("rebuild_summaries")
    call_command("rebuild_summaries", "--check")
    assert_true(world)
    MapCell.objects.filter(level=map_cells.ZONE_LEVEL, state="red").update(n=5)
    with pytest.raises(CommandError) as failed:
        call_command("rebuild_summaries", "--check")
    assert "closeout_mapcell" in capsys.readouterr().out and failed.value.returncode == 1
    call_command("rebuild_summaries")
    assert_true(world)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_folds_the_changes_in_every_five_minutes(redis_url, tmp_path):
    """The beat's ``catch-up-summaries`` (every 300 s) folds the noted changes in, so the first map after a quiet
    hour does not fold the hour's changes: run by a real worker on Redis."""
    from briefing.tasks import catch_up_summaries_task
    from config.settings import CELERY_BEAT_SCHEDULE
    from tests.cases.test_worker import RESULT_TIMEOUT, Worker, wait_for, worker_env

    entry = CELERY_BEAT_SCHEDULE["catch-up-summaries"]
    assert entry["task"] == "briefing.tasks.catch_up_summaries_task" and entry["schedule"] == 300
    parcel = f.ParcelFactory(grid=f.GridFactory(zone=f.ZoneFactory(name="中申达")))
    map_cells.catch_up()
    f.HazardFactory(enterprise=None, parcel=parcel)
    assert MapChange.objects.exists()
    queue = f"cells-{uuid.uuid4().hex[:10]}"
    worker = Worker(tmp_path, worker_env(tmp_path, queue, REDIS_URL=redis_url), queue)
    try:
        worker.start()
        catch_up_summaries_task.apply_async(queue=queue)
        wait_for(lambda: "'parcels': 1, 'units'" in worker.log(), RESULT_TIMEOUT, "the catch-up done", worker)
    finally:
        worker.stop()
    assert not MapChange.objects.exists()
    assert MapCell.objects.get(level=map_cells.ZONE_LEVEL, n__gt=0).state == "red"  # (the emptied cell stays, n 0)
