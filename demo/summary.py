"""The counts a person checks after seeding, and the ledger's found / rectified / rate."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.utils import timezone

from cases.choices import EscalationLevel, HazardStatus
from cases.models import CheckIn, Hazard, Inspection, Photo, Ticket
from catalogue.choices import Severity
from closeout.models import CrossCheck
from core.dates import rate_of
from ledgers.choices import DeviceStatus, LetterKind, LetterStatus
from ledgers.models import Drill, ResponsibilityLetter, WeldingDevice
from register.choices import CloseoutState
from register.models import Enterprise, Grid, Parcel, Zone
from risk.models import RiskPoint
from servicedesk.choices import ServiceRequestStatus
from servicedesk.models import ServiceRequest
from timeline.models import Event


def ledger_counts():
    """Found / rectified by severity from one aggregate over the hazards, and the rate."""
    rectified = Q(status=HazardStatus.RECTIFIED)
    row = Hazard.objects.counted().aggregate(
        found=Count("pk"),
        rectified_general=Count("pk", filter=rectified & Q(severity=Severity.GENERAL)),
        rectified_major=Count("pk", filter=rectified & Q(severity=Severity.MAJOR)),
    )
    row["rate"] = rate_of(row["rectified_general"] + row["rectified_major"], row["found"])
    return row


def summarize():
    """The counts a person checks after seeding."""
    User = get_user_model()
    today = timezone.localdate()
    hazards = dict(Hazard.objects.values_list("status").annotate(n=Count("pk")).order_by())
    tickets = dict(Ticket.objects.values_list("status").annotate(n=Count("pk")).order_by())
    kinds = dict(Enterprise.objects.values_list("kind").annotate(n=Count("pk")).order_by())
    parcels = dict(Parcel.objects.values_list("closeout_state").annotate(n=Count("pk")).order_by())
    tags = dict(Enterprise.risk_tags.through.objects.values_list("risktagoption_id").annotate(n=Count("pk")).order_by())
    return {
        "zones": Zone.objects.count(),
        "grids": Grid.objects.count(),
        "parcels": Parcel.objects.count(),
        "multi_tenant_parcels": Parcel.objects.multi_tenant().count(),
        "parcels_by_state": parcels,
        "parcels_closed_out": Parcel.objects.filter(
            closeout_state=CloseoutState.GREEN, closed_out_at__isnull=False
        ).count(),
        "enterprises_by_kind": kinds,
        "risk_tags": tags,
        "users_by_role": dict(User.objects.values_list("role").annotate(n=Count("pk")).order_by()),
        "inspections": Inspection.objects.count(),
        "inspections_by_source": dict(Inspection.objects.values_list("source").annotate(n=Count("pk")).order_by()),
        "hazards_by_status": hazards,
        "likely_duplicates": Hazard.objects.filter(likely_duplicate_of__isnull=False).count(),
        "tickets_by_status": tickets,
        "overdue_tickets": Ticket.objects.overdue(today).count(),
        "escalated": dict(
            Ticket.objects.open()
            .exclude(escalation_level=EscalationLevel.NONE)
            .values_list("escalation_level")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "reworked_tickets": Ticket.objects.filter(rework_count__gt=0).count(),
        "crosschecks": dict(CrossCheck.objects.values_list("status").annotate(n=Count("pk")).order_by()),
        "risk_points_by_level": dict(
            RiskPoint.objects.filter(active=True).values_list("level").annotate(n=Count("pk")).order_by()
        ),
        "enterprises_by_risk_level": dict(
            Enterprise.objects.filter(active=True).values_list("risk_level").annotate(n=Count("pk")).order_by()
        ),
        "checkins_by_flag": dict(CheckIn.objects.values_list("flag").annotate(n=Count("pk")).order_by()),
        "verified_inspections": Inspection.objects.filter(checkin__isnull=False).count(),
        "events": Event.objects.count(),
        "photos": Photo.objects.count(),
        "ledger": ledger_counts(),
        "campaign_ledgers": campaign_ledger_counts(today),
    }


def campaign_ledger_counts(today):
    """Drills, service requests, welding devices and this year's landlord letters of multi-tenant parcels."""
    drills = Drill.objects.aggregate(sessions=Count("pk"), person_times=Sum("participants"))
    multi = Parcel.objects.multi_tenant().values("pk")
    signed = ResponsibilityLetter.objects.filter(
        year=today.year, kind=LetterKind.LANDLORD, status=LetterStatus.SIGNED, parcel__in=multi
    )
    return {
        "drills": drills["sessions"],
        "person_times": drills["person_times"] or 0,
        "requests_by_status": dict(ServiceRequest.objects.values_list("status").annotate(n=Count("pk")).order_by()),
        "requests_overdue": ServiceRequest.objects.overdue(today).count(),
        "requests_solved": ServiceRequest.objects.filter(status=ServiceRequestStatus.CLOSED).count(),
        "welding_devices": WeldingDevice.objects.exclude(status=DeviceStatus.REMOVED).count(),
        "letters_by_status": dict(
            ResponsibilityLetter.objects.filter(year=today.year)
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "landlord_letters_signed": signed.count(),
        "multi_tenant_parcels": Parcel.objects.multi_tenant().count(),
    }
