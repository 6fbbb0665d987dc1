from collections import OrderedDict
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, F, OuterRef, Prefetch, Q, prefetch_related_objects
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.choices import Role
from accounts.mixins import RoleRequiredMixin
from accounts.policy import PARTY_ROLES
from cases import services
from cases.choices import InspectionSource, ResponsibleKind, TicketStatus
from cases.deadlines import ticket_rows
from cases.field_forms import SelfCheckForm
from cases.models import Hazard, Inspection, Ticket
from cases.querysets import overdue_q
from catalogue.models import Checklist
from core.errors import WorkflowError
from core.queries import SubqueryCount
from core.views import done, workflow_refusal
from register.models import Enterprise, Parcel

PARTY_OPEN_LIMIT = 200
PARTY_CLOSED_LIMIT = 20


# --- enterprise and landlord: my tickets --------------------------------------------------------


def party_ticket_queryset(user):
    return (
        Ticket.objects.visible_to(user)
        .select_related("enterprise", "parcel")
        .prefetch_related(Prefetch("hazards", queryset=Hazard.objects.select_related("category").order_by("pk")))
    )


def group_by_parcel(rows):
    """Rows grouped by parcel, then by responsible party (the landlord's own first, then each tenant)."""
    groups = OrderedDict()
    for row in rows:
        ticket = row["ticket"]
        parcel = ticket.parcel
        group = groups.setdefault(parcel.pk if parcel else None, {"parcel": parcel, "parties": OrderedDict()})
        if ticket.responsible_kind == ResponsibleKind.LANDLORD:
            key, name, order = ("landlord", 0), _("房东（宗地级隐患）"), 0
        else:
            key, name, order = ("enterprise", ticket.enterprise_id), ticket.enterprise.name, 1
        party = group["parties"].setdefault(key, {"name": name, "kind": key[0], "order": order, "rows": []})
        party["rows"].append(row)
    result = []
    for group in sorted(groups.values(), key=lambda g: g["parcel"].code if g["parcel"] else ""):
        group["parties"] = sorted(group["parties"].values(), key=lambda p: (p["order"], p["name"]))
        group["count"] = sum(len(p["rows"]) for p in group["parties"])
        result.append(group)
    return result


class PartyTicketsView(RoleRequiredMixin, View):
    """我的整改单: open tickets first (overdue marked), what is asked and by when; closed ones below."""

    roles = PARTY_ROLES
    refusal_message = gettext_lazy("“我的整改单”仅供企业和房东使用。")

    def get(self, request):
        user = request.user
        today = timezone.localdate()
        soon = today + timedelta(days=settings.REMINDER_DAYS)
        visible = Ticket.objects.visible_to(user)
        figures = visible.aggregate(
            assigned=Count("pk", filter=Q(status=TicketStatus.ASSIGNED)),
            overdue=Count("pk", filter=overdue_q(today)),
            # waiting for the office: verification, or a major hazard's close-out approval
            submitted=Count("pk", filter=Q(status__in=[TicketStatus.SUBMITTED, TicketStatus.CLOSEOUT_PENDING])),
            closed=Count("pk", filter=Q(status=TicketStatus.CLOSED)),
        )
        open_tickets = list(
            party_ticket_queryset(user)
            .filter(status__in=[TicketStatus.ASSIGNED, TicketStatus.SUBMITTED, TicketStatus.CLOSEOUT_PENDING])
            .order_by(F("deadline").asc(nulls_last=True), "pk")[:PARTY_OPEN_LIMIT]
        )
        closed = list(
            party_ticket_queryset(user)
            .filter(status=TicketStatus.CLOSED)
            .order_by(F("closed_at").desc(nulls_last=True), "-pk")[:PARTY_CLOSED_LIMIT]
        )
        open_rows = ticket_rows(open_tickets, today, soon, with_hazards=True)
        own_kind = ResponsibleKind.LANDLORD if user.role == Role.LANDLORD else ResponsibleKind.ENTERPRISE
        for row in open_rows:
            row["mine"] = row["ticket"].responsible_kind == own_kind
        parties = {(row["ticket"].responsible_kind, row["ticket"].enterprise_id) for row in open_rows}
        grouped = user.role == Role.LANDLORD or len(parties) > 1
        context = {
            "figures": figures,
            "open_rows": open_rows,
            "groups": group_by_parcel(open_rows) if grouped else [],
            "grouped": grouped,
            "closed_rows": ticket_rows(closed, today, soon, with_hazards=True),
            "open_limit": PARTY_OPEN_LIMIT,
            "is_landlord": user.role == Role.LANDLORD,
        }
        return render(request, "cases/field/party_tickets.html", context)


# --- enterprise and landlord: the self-check ----------------------------------------------------


def self_check_checklists(user):
    """The owner self-check form; a landlord may also check the parcel with the parcel checklist."""
    query = Q(is_self_check=True)
    if user.role == Role.LANDLORD:
        query |= Q(for_parcel=True)
    return list(Checklist.objects.filter(query, active=True).order_by("-is_self_check", "name"))


def self_check_units(user):
    if user.role == Role.LANDLORD:
        return list(Parcel.objects.visible_to(user).order_by("code"))
    return list(Enterprise.objects.visible_to(user).filter(active=True).order_by("name"))


def self_check_risk_units(user, units):
    """The owner's units with their active risk points (风险点, declared by the owner, reviewed by the office),
    highest grade first: the self-check page lists them and links to declare another. The points are read
    through the units' own relation (the risk app sits above this one); a landlord's parcel shows its
    common areas' points and its tenants'."""
    prefetch_related_objects(units, "risk_points__enterprise")
    kind = "parcel" if user.role == Role.LANDLORD else "enterprise"
    rows = []
    for unit in units:
        points = sorted((p for p in unit.risk_points.all() if p.active), key=lambda p: (-p.level, p.name, p.pk))
        rows.append({"unit": unit, "kind": kind, "points": points})
    return rows


class SelfCheckView(RoleRequiredMixin, View):
    """自查自纠: the owner ticks the self-check form; failed items are reported as hazards."""

    roles = PARTY_ROLES
    refusal_message = gettext_lazy("自查自纠仅供企业主和房东使用。")

    def setup_page(self, request):
        self.checklists = self_check_checklists(request.user)
        self.units = self_check_units(request.user)
        wanted = request.POST.get("checklist") or request.GET.get("checklist") or ""
        self.checklist = next((c for c in self.checklists if str(c.pk) == wanted), None)
        if self.checklist is None and self.checklists:
            self.checklist = self.checklists[0]

    def get(self, request):
        self.setup_page(request)
        form = SelfCheckForm(checklist=self.checklist, units=self.units) if self.ready() else None
        return self.render_page(form)

    def post(self, request):
        self.setup_page(request)
        if not self.ready():
            messages.error(request, self.not_ready_message())
            return self.render_page(None, status=400)
        form = SelfCheckForm(request.POST, request.FILES, checklist=self.checklist, units=self.units)
        if not form.is_valid():
            messages.error(request, _("请检查填写的内容：每一项都要选择“合格”“不合格”或“不涉及”。"))
            return self.render_page(form, status=400)
        try:
            inspection = services.record_inspection(
                actor=request.user,
                **form.unit_kwargs(),
                checklist=self.checklist,
                results=form.results(),
                notes=form.cleaned_data["notes"],
                photos=form.cleaned_data["photos"],
                item_photos=form.item_photos(),
            )
        except WorkflowError as exc:
            status = workflow_refusal(request, form, exc)
            return self.render_page(form, status=status)
        failed = inspection.hazards.count()
        if failed:
            messages.success(
                request, _("自查已提交：%(n)d 项不合格，已作为隐患上报。交办后请按整改单要求整改。") % {"n": failed}
            )
        else:
            messages.success(request, _("自查已提交：全部合格。"))
        return done(request, reverse("cases:self_check"))

    def ready(self):
        return bool(self.checklist and self.units)

    def not_ready_message(self):
        if not self.units:
            return _("您的账号还没有关联单位，请联系管理员。")
        return _("目前没有可用的自查表，请联系管理员。")

    def render_page(self, form, status=200):
        user = self.request.user
        history = list(
            Inspection.objects.visible_to(user)
            .filter(source=InspectionSource.SELF_CHECK)
            .select_related("enterprise", "parcel", "checklist", "inspector")
            .annotate(hazard_count=SubqueryCount(Hazard.objects.filter(inspection=OuterRef("pk"))))
            .order_by("-inspected_at", "-pk")[:10]
        )
        context = {
            "risk_units": self_check_risk_units(user, self.units),
            "form": form,
            "checklist": self.checklist,
            "checklists": self.checklists,
            "history": history,
            "not_ready": None if self.ready() else self.not_ready_message(),
            "max_photo_bytes": settings.PHOTO_MAX_BYTES,
        }
        return render(self.request, "cases/field/self_check.html", context, status=status)
