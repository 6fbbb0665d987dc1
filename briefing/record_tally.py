"""The campaign ledgers' tallies: drills, service requests and welding devices counted per zone, kept as they change.

The dashboard's campaign figures to date (培训演练 sessions and person-times, 企业服务问题 raised, solved and rated,
焊有序 devices installed and offline) are sums over every record; asked of the records, they grow with the ledgers
(34,000 drills in a city). These counts are their answers per zone and kind (``RecordCount``); the day's figures
and the open requests are read from the records on their indexes (``campaign_figures.campaign_from_tallies``).

How they stay true: ``core.folding``'s mechanism, as the units' tallies (``briefing.unit_tally``). The database's
triggers (migration 0008) note a record whenever it is written with a change that counts; ``catch_up()``
computes it again with the figures' own rules (``ledgers.figures``, ``servicedesk.figures``) and moves it between
counts; ``RecordTally`` is what they last counted for each record. Drills and devices count from the day they
are dated (none is dated later than the day it is recorded: ``ledgers.drills`` and ``ledgers.welding`` refuse it).
"""

from django.db.models import Q

from briefing.models import RecordChange, RecordCount, RecordKind, RecordTally
from core import folding
from ledgers.choices import DeviceStatus
from ledgers.figures import INSTALLED
from ledgers.models import Drill, WeldingDevice
from servicedesk.choices import ServiceRequestStatus
from servicedesk.models import ServiceRequest

LOCK = 0x7265636F  # the advisory lock of the one reader folding changes in (PostgreSQL)

STORED = ("zone_id", "counted", "participants", "solved", "rating", "offline")
COUNTS = ("n", "participants", "solved", "rated", "rating_sum", "offline")
KEY = ("zone_id", "kind")
SQL_TYPES = ("bigint", "varchar", "integer", "bigint", "integer", "integer", "bigint", "integer")

SOLVED = Q(status=ServiceRequestStatus.CLOSED, closed_at__isnull=False)  # as servicedesk.figures counts "solved"


class RecordTallies(folding.Tally):
    lock_key = LOCK
    kinds = {RecordKind.DRILL: Drill, RecordKind.REQUEST: ServiceRequest, RecordKind.DEVICE: WeldingDevice}
    changes, states, counts = RecordChange, RecordTally, RecordCount
    ref = "record_id"
    stored = STORED
    key = KEY
    columns = COUNTS
    sql_types = SQL_TYPES

    def fresh(self, kind, ids):
        """The records ``ids`` of ``kind`` as they are now: ``{pk: STORED tuple}``. One statement."""
        model = self.kinds[kind]
        rows = model.objects.filter(pk__in=ids).order_by()
        if kind == RecordKind.DRILL:
            return {
                pk: (zone, True, n, False, None, False)
                for pk, zone, n in rows.values_list("pk", "zone_id", "participants")
            }
        if kind == RecordKind.REQUEST:
            rows = rows.annotate(solved=folding.flag(SOLVED)).values_list("pk", "zone_id", "solved", "rating")
            return {pk: (zone, True, 0, solved, rating if solved else None, False) for pk, zone, solved, rating in rows}
        rows = rows.annotate(installed=folding.flag(INSTALLED)).values_list("pk", "zone_id", "installed", "status")
        return {
            pk: (zone, installed, 0, False, None, installed and status == DeviceStatus.OFFLINE)
            for pk, zone, installed, status in rows
        }

    def contribution(self, kind, row):
        zone, counted, participants, solved, rating, offline = row
        if not counted:
            return []
        return [((zone, kind), (1, participants, int(solved), int(rating is not None), rating or 0, int(offline)))]


TALLIES = RecordTallies()
catch_up, rebuild, check = TALLIES.catch_up, TALLIES.rebuild, TALLIES.check


def zone_counts(user):
    """``{zone id: {kind: {count: n}}}`` of ``user``'s zones: the fold, then one statement."""
    catch_up()
    zones = {}
    for zone, kind, *counts in RecordCount.objects.visible_to(user).order_by().values_list(*KEY, *COUNTS):
        zones.setdefault(zone, {})[kind] = dict(zip(COUNTS, counts, strict=True))
    return zones
