"""The ``seed`` and ``city`` scales: the source's ledger planned in memory, then written in bulk."""

import random
from datetime import date, timedelta

from django.conf import settings

from demo.common import CAMPAIGN_END, CAMPAIGN_START, RANDOM_SEED, DemoError, days_between
from demo.ledger.events import EventWriting
from demo.ledger.hazards import HazardPlanning
from demo.ledger.rows import RowWriting
from demo.ledger.tickets import TicketScheduling


class Ledger(HazardPlanning, TicketScheduling, RowWriting, EventWriting):
    """The source's ledger for ``seed`` (and ten times it for ``city``), written in bulk."""

    OPEN_FATES = ("reported", "pending", "assigned", "submitted")

    def __init__(self, builder):
        self.b = builder
        self.s = builder.scale
        self.rng = random.Random(RANDOM_SEED + 2)
        self.inspections = []
        self.hazards = []
        self.extra_hazards = []  # duplicate and invalid (not counted)
        self.tickets = []
        self.crosschecks = []
        self.events = []
        self.recent_start = builder.yesterday - timedelta(days=40)
        self.hist_days = days_between(self.s.history_start, date(2023, 12, 22))
        self.campaign_days = days_between(CAMPAIGN_START, CAMPAIGN_END)
        self.thresholds = list(settings.ESCALATION_THRESHOLDS[:2])
        self.demo_landlord_parcels = {p.pk for p in builder.multi_parcels[:2]}

    def log(self, message):
        self.b.log(message)

    def build(self):
        s = self.s
        self.setup_pools()
        campaign_hazards = self.plan_campaign()
        self.plan_self_checks()
        self.plan_recent()
        recent = sum(q[1] for q in self.recent_quotas)
        self.plan_history(s.found - campaign_hazards - recent)
        self.fix_severities()
        self.fingerprints()
        self.plan_tickets()
        self.schedule()
        self.plan_extras()
        self.plan_parcels()
        self.plan_fill()
        counted = sum(1 for h in self.hazards)
        if counted != s.found or len(self.inspections) != s.inspections:
            raise DemoError(
                f"planned {counted} hazards and {len(self.inspections)} inspections, expected "
                f"{s.found} and {s.inspections}"
            )
        self.log("planned; writing")
        self.write()
