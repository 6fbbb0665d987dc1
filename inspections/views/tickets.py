"""The ticket list, the ticket page with every action its status allows, and the printable notice.

Views parse input, call inspections.services, and render; the services decide. Every queryset
starts from ``visible_to(request.user)``: a ticket outside the user's scope answers 404.
A refused action re-renders the page with the service's message and the HTTP status that fits
(400 bad input, 403 role or scope, 409 wrong status); a done action redirects (POST-redirect-GET).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View
from django.views.generic import DetailView
from django_filters import (
    BooleanFilter,
    ChoiceFilter,
    DateFilter,
    ModelChoiceFilter,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
    OrderingFilter,
)
from django_filters.views import FilterView

from accounts.choices import Role
from enterprises.models import Grid, Zone

from .. import services
from ..choices import EscalationLevel, HazardStatus, PhotoKind, TicketStatus
from ..filtersets import TicketFilterSet
from ..forms import (
    AssignForm,
    CheckboxDropdown,
    CommentForm,
    DateInput,
    EscalateForm,
    ReopenForm,
    SubmitForm,
    VerifyForm,
    add_workflow_errors,
)
from ..models import Event, Hazard, Photo, Ticket

STAFF_ROLES = (Role.INSPECTOR, Role.MANAGER, Role.LEADER)
PARTY_ROLES = (Role.ENTERPRISE, Role.LANDLORD)

# What happened, as the timeline says it: the same Chinese words as the buttons ("交办"), so the
# context lets English say "Assigned" here and "Assign" on the button.
EVENT_LABELS = {
    "inspections.hazard.reported": pgettext_lazy("timeline event", "上报隐患"),
    "inspections.hazard.marked_duplicate": pgettext_lazy("timeline event", "标为重复上报"),
    "inspections.hazard.marked_invalid": pgettext_lazy("timeline event", "核实不属实"),
    "inspections.ticket.created": pgettext_lazy("timeline event", "汇总生成整改单"),
    "inspections.ticket.assigned": pgettext_lazy("timeline event", "交办"),
    "inspections.ticket.submitted": pgettext_lazy("timeline event", "提交整改"),
    "inspections.ticket.closed": pgettext_lazy("timeline event", "验收通过，销号"),
    "inspections.ticket.rejected": pgettext_lazy("timeline event", "验收不通过，退回整改"),
    "inspections.ticket.escalated": pgettext_lazy("timeline event", "督办"),
    "inspections.ticket.commented": pgettext_lazy("timeline event", "备注"),
}


# --- who may do what -------------------------------------------------------------------------


def is_admin(user):
    return bool(user.is_superuser or (user.is_staff and not user.role))


def is_staff_user(user):
    """Office staff (inspector, manager, leader, admin): they see internal entries."""
    return is_admin(user) or user.role in STAFF_ROLES


def is_manager(user):
    return is_admin(user) or user.role == Role.MANAGER


def _wrong_status(ticket):
    return services.TransitionNotAllowed(
        _("当前状态为“%(status)s”，不能执行此操作（可能已被他人处理，请刷新）。")
        % {"status": ticket.get_status_display()}
    )


def ticket_refusals(user, ticket):
    """For each action, None when this user may do it on this ticket now, else the WorkflowError
    the service would raise. The page offers only the allowed actions; a POST of a refused one is
    answered with its message before any input is read. The services check again under the lock."""
    refusals = {}
    if not is_manager(user):
        refusals["assign"] = services.NotPermitted(_("只有交办人员可以交办整改单。"))
    elif ticket.status != TicketStatus.PENDING:
        refusals["assign"] = _wrong_status(ticket)
    else:
        refusals["assign"] = None

    may_submit = is_admin(user) or (user.role in PARTY_ROLES and services.can_act_for_party(user, ticket))
    may_verify = is_admin(user) or (user.role in (Role.INSPECTOR, Role.MANAGER) and services.can_verify(user, ticket))
    if not may_submit:
        refusals["submit"] = services.NotPermitted(_("只有整改责任方可以提交整改材料。"))
    elif ticket.status != TicketStatus.ASSIGNED:
        refusals["submit"] = _wrong_status(ticket)
    else:
        refusals["submit"] = None

    if not may_verify:
        refusals["verify"] = services.NotPermitted(_("只有本网格的网格员或交办人员可以验收。"))
    elif ticket.status != TicketStatus.SUBMITTED:
        refusals["verify"] = _wrong_status(ticket)
    else:
        refusals["verify"] = None

    if not (is_admin(user) or user.role in (Role.MANAGER, Role.LEADER)):
        refusals["escalate"] = services.NotPermitted(_("只有交办人员或领导可以督办。"))
    elif ticket.status == TicketStatus.CLOSED:
        refusals["escalate"] = _wrong_status(ticket)
    elif ticket.escalation_level >= EscalationLevel.LISTED:
        refusals["escalate"] = services.TransitionNotAllowed(_("该整改单已是挂牌督办，不能再升级。"))
    else:
        refusals["escalate"] = None

    if not is_manager(user):
        refusals["reopen"] = services.NotPermitted(_("只有交办人员可以复查重开整改单。"))
    elif ticket.status != TicketStatus.CLOSED:
        refusals["reopen"] = _wrong_status(ticket)
    else:
        refusals["reopen"] = None

    refusals["comment"] = None
    return refusals


# --- the list ---------------------------------------------------------------------------------


def scope_filter_choices(filterset, user, *, zone="zone_id", grid="grid_id"):
    """Offer only the zones and grids the user can see in the filter form."""
    if zone in filterset.filters:
        filterset.filters[zone].queryset = Zone.objects.visible_to(user)
    if grid in filterset.filters:
        filterset.filters[grid].queryset = Grid.objects.visible_to(user).select_related("zone")


class AnyYesNoSelect(forms.NullBooleanSelect):
    """全部 / 是 / 否 for a yes-or-no filter (Django's reads 未知 / 是 / 否)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", gettext_lazy("全部")), ("true", gettext_lazy("是")), ("false", gettext_lazy("否")))


def tune_filter_widgets(filterset):
    """Native date pickers, fold-out tick boxes for multiple choices, 全部 for "no filter"."""
    for filter_ in filterset.filters.values():
        if isinstance(filter_, DateFilter):
            filter_.extra["widget"] = DateInput()
        elif isinstance(filter_, BooleanFilter):
            filter_.extra["widget"] = AnyYesNoSelect
        elif isinstance(filter_, MultipleChoiceFilter | ModelMultipleChoiceFilter):
            filter_.extra["widget"] = CheckboxDropdown
        elif isinstance(filter_, OrderingFilter):
            filter_.extra["empty_label"] = gettext_lazy("默认排序")
        elif isinstance(filter_, ChoiceFilter | ModelChoiceFilter):
            filter_.extra["empty_label"] = gettext_lazy("全部")


class ScopedFilterView(LoginRequiredMixin, FilterView):
    """A filtered, paginated list of what the user may see; the filter form offers only their units."""

    paginate_by = 50
    # Primary filters shown in the bar; the rest fold under "更多筛选".
    primary_filters = ()
    # Filters that links use (ids, exact names) but a person does not type: not shown as fields,
    # carried along as hidden inputs when the query has them.
    hidden_filters = ("zone", "grid", "parcel_id", "enterprise_id", "assignee", "ticket")
    # Columns whose header sorts the list (names of the FilterSet's ordering choices).
    sort_keys = ()
    # Page by keys first (see paginate_queryset): for lists whose rows join several tables.
    paginate_by_keys = False

    def paginate_queryset(self, queryset, page_size):
        """With ``paginate_by_keys``, find the page's primary keys with the list's filters and order
        (a narrow query the database sorts cheaply), then load those rows with their joins and
        prefetches. Sorting every joined row to keep 50 cost the ticket list 54 ms of 60 on
        PostgreSQL and 130 ms on SQLite at page 100 (seed data); the two queries cost 9 ms + 1 ms."""
        if not self.paginate_by_keys:
            return super().paginate_queryset(queryset, page_size)
        keys = queryset.prefetch_related(None).values_list("pk", flat=True)
        paginator, page, page_keys, is_paginated = super().paginate_queryset(keys, page_size)
        pks = list(page_keys)
        rows = {row.pk: row for row in queryset.order_by().filter(pk__in=pks)} if pks else {}
        page.object_list = [rows[pk] for pk in pks if pk in rows]
        return paginator, page, page.object_list, is_paginated

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        scope_filter_choices(filterset, self.request.user)
        tune_filter_widgets(filterset)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        shown = [name for name in form.fields if name not in self.hidden_filters]
        context["primary_fields"] = [form[name] for name in self.primary_filters if name in shown]
        context["more_fields"] = [form[name] for name in shown if name not in self.primary_filters]
        context["hidden_filters"] = [
            (name, value) for name in self.hidden_filters for value in self.request.GET.getlist(name) if value
        ]
        folded = context["primary_fields"][2:] + context["more_fields"]
        context["more_open"] = any(self.request.GET.get(f.name) for f in folded if f.name != "ordering")
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        current = self.request.GET.get("ordering", "")
        context["sort"] = {
            key: {
                "value": f"-{key}" if current == key else key,
                "arrow": "▲" if current == key else ("▼" if current == f"-{key}" else ""),
            }
            for key in self.sort_keys
        }
        return context


def ticket_hazards_prefetch():
    return Prefetch(
        "hazards",
        queryset=Hazard.objects.select_related("category")
        .only("id", "ticket_id", "number", "severity", "category__name", "category__code")
        .order_by("pk"),
    )


STATUS_TABS = (
    ("", gettext_lazy("全部")),
    (TicketStatus.PENDING, TicketStatus.PENDING.label),
    (TicketStatus.ASSIGNED, TicketStatus.ASSIGNED.label),
    (TicketStatus.SUBMITTED, TicketStatus.SUBMITTED.label),
    ("overdue", gettext_lazy("已逾期")),
    (TicketStatus.CLOSED, TicketStatus.CLOSED.label),
)


def prepare_rows(tickets):
    """What each row of the list shows, worked out once per page in Python: the link, the status
    and escalation labels, overdue days, the day it was made, the first two hazard categories.
    In the template these cost a reverse(), a lazy label lookup and a ``|date`` per row and cell,
    most of the page's rendering time (PERFORMANCE.md: keep per-row filters and includes few)."""
    sentinel = 2147483647
    url = reverse("inspections:ticket_detail", args=[sentinel])
    statuses = {value: str(label) for value, label in TicketStatus.choices}
    levels = {value: str(label) for value, label in EscalationLevel.choices}
    today = timezone.localdate()
    for ticket in tickets:
        ticket.url = url.replace(str(sentinel), str(ticket.pk))
        ticket.status_label = statuses.get(ticket.status, ticket.status)
        ticket.escalation_label = levels.get(ticket.escalation_level, ticket.escalation_level)
        overdue = bool(ticket.deadline and ticket.status != TicketStatus.CLOSED and ticket.deadline < today)
        ticket.overdue_days = (today - ticket.deadline).days if overdue else 0
        ticket.created_day = timezone.localtime(ticket.created_at).date().isoformat()
        hazards = list(ticket.hazards.all())
        ticket.hazard_names = [hazard.category.name for hazard in hazards[:2]]
        ticket.hazard_count = len(hazards)
    return tickets


class TicketListView(ScopedFilterView):
    model = Ticket
    filterset_class = TicketFilterSet
    template_name = "inspections/ticket_list.html"
    primary_filters = ("q", "status", "zone_id", "grid_id", "severity", "category", "overdue", "escalation_level")
    sort_keys = ("number", "created_at", "deadline", "status", "escalation_level")
    paginate_by_keys = True

    def get_queryset(self):
        return (
            Ticket.objects.visible_to(self.request.user)
            .select_related("enterprise", "parcel", "grid__zone")
            .defer("measures", "contingency", "verification_comment", "parcel__polygon")  # not shown here
            .prefetch_related(ticket_hazards_prefetch())
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        prepare_rows(context["object_list"])
        statuses = self.request.GET.getlist("status")
        overdue = self.request.GET.get("overdue") in ("true", "True", "1")
        current = "overdue" if overdue and not statuses else (statuses[0] if len(statuses) == 1 else "")
        if len(statuses) > 1 or (overdue and statuses):
            current = None
        context["status_tabs"] = [
            {
                "key": key,
                "label": label,
                "query": "overdue=true" if key == "overdue" else (f"status={key}" if key else ""),
                "active": key == current,
            }
            for key, label in STATUS_TABS
        ]
        context["can_bulk_assign"] = is_manager(self.request.user)
        return context


# --- the ticket page --------------------------------------------------------------------------


def _event_detail(event):
    data = event.data or {}
    if event.kind == "inspections.ticket.escalated":
        level = data.get("to_level")
        if level in EscalationLevel.values:
            return str(EscalationLevel(level).label)
    if event.kind == "inspections.ticket.assigned" and data.get("deadline"):
        return _("整改期限 %(date)s") % {"date": data["deadline"]}
    if event.kind == "inspections.ticket.rejected" and data.get("rework_count"):
        return _("第 %(n)s 次退回") % {"n": data["rework_count"]}
    if event.kind == "inspections.ticket.closed" and data.get("followup_date"):
        return _("事后跟踪日期 %(date)s") % {"date": data["followup_date"]}
    return ""


def ticket_events(user, ticket):
    """The case's timeline: the ticket's events and its hazards' events, oldest first. The
    responsible party never sees internal entries."""
    events = (
        Event.objects.visible_to(user)
        .filter(Q(ticket=ticket) | Q(hazard__ticket=ticket))
        .select_related("actor", "hazard")
        .prefetch_related("photos")
        .order_by("created_at", "pk")
    )
    if not is_staff_user(user):
        events = events.filter(internal=False)
    return label_events(events)


def label_events(events):
    """Attach what the timeline shows: the action's name, a detail, the statuses' names."""
    ticket_labels, hazard_labels = dict(TicketStatus.choices), dict(HazardStatus.choices)
    events = list(events)
    for event in events:
        labels = ticket_labels if event.ticket_id else hazard_labels
        event.label = EVENT_LABELS.get(event.kind, event.kind)
        event.detail = _event_detail(event)
        event.from_label = labels.get(event.from_status, event.from_status)
        event.to_label = labels.get(event.to_status, event.to_status)
        event.status_changed = bool(event.to_status and event.from_status != event.to_status)
    return events


def ticket_page(request, ticket, *, bound=None, status=200):
    """Render the ticket page; ``bound`` holds the submitted form of a refused action."""
    user = request.user
    refusals = ticket_refusals(user, ticket)
    bound = bound or {}
    hazards = list(
        ticket.hazards.select_related("category", "reporter", "enterprise", "parcel", "likely_duplicate_of")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("pk")))
        .order_by("pk")
    )
    before = [photo for hazard in hazards for photo in hazard.photos.all()]
    after = list(ticket.photos.filter(kind=PhotoKind.AFTER).order_by("-created_at", "-pk"))
    staff = is_staff_user(user)
    forms_ = {}
    if refusals["assign"] is None:
        initial = {}
        if not ticket.deadline:
            initial["deadline"] = services.default_deadline(hazards)
        forms_["assign"] = bound.get("assign") or AssignForm(ticket=ticket, initial=initial, auto_id="id_%s")
    if refusals["submit"] is None:
        forms_["submit"] = bound.get("submit") or SubmitForm()
    if refusals["verify"] is None:
        forms_["verify"] = bound.get("verify") or VerifyForm(auto_id="verify_%s")
    if refusals["escalate"] is None:
        forms_["escalate"] = bound.get("escalate") or EscalateForm(ticket=ticket, auto_id="escalate_%s")
    if refusals["reopen"] is None:
        forms_["reopen"] = bound.get("reopen") or ReopenForm(auto_id="reopen_%s")
    forms_["comment"] = bound.get("comment") or CommentForm(staff=staff, auto_id="comment_%s")
    context = {
        "ticket": ticket,
        "object": ticket,
        "hazards": hazards,
        "photos": {"before": before, "after": after},
        "events": ticket_events(user, ticket),
        "forms": forms_,
        "staff": staff,
        "can": {action: refusal is None for action, refusal in refusals.items()},
    }
    return render(request, "inspections/ticket_detail.html", context, status=status)


def visible_ticket(request, pk):
    queryset = Ticket.objects.visible_to(request.user).select_related(
        "enterprise", "parcel", "grid__zone", "assignee", "created_by", "verified_by", "reopened_from"
    )
    return get_object_or_404(queryset, pk=pk)


class TicketDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        return ticket_page(request, visible_ticket(request, pk))


class TicketActionView(LoginRequiredMixin, View):
    """POST one action on one ticket. Subclasses name the action, build the form, call the service."""

    action = ""
    success_message = ""
    http_method_names = ["get", "post"]

    def get(self, request, pk):
        return redirect("inspections:ticket_detail", pk=pk)

    def get_form(self, ticket):
        raise NotImplementedError

    def perform(self, ticket, form):
        raise NotImplementedError

    def get_success_message(self, ticket):
        return self.success_message

    def post(self, request, pk):
        ticket = visible_ticket(request, pk)
        refusal = ticket_refusals(request.user, ticket)[self.action]
        if refusal is not None:
            messages.error(request, refusal.message)
            return ticket_page(request, ticket, status=refusal.http_status)
        form = self.get_form(ticket)
        if not form.is_valid():
            messages.error(request, _("请检查填写的内容。"))
            return ticket_page(request, ticket, bound={self.action: form}, status=400)
        try:
            result = self.perform(ticket, form)
        except services.WorkflowError as exc:
            messages.error(request, exc.message)
            add_workflow_errors(form, exc)
            ticket = visible_ticket(request, pk)
            return ticket_page(request, ticket, bound={self.action: form}, status=exc.http_status)
        messages.success(request, self.get_success_message(result if isinstance(result, Ticket) else ticket))
        next_url = request.POST.get("next", "")
        if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            return redirect(next_url)  # e.g. back to the inspector's verification queue
        return redirect(self.get_success_url(result, ticket))

    def get_success_url(self, result, ticket):
        return reverse("inspections:ticket_detail", args=[ticket.pk])


class TicketAssignView(TicketActionView):
    action = "assign"

    def get_form(self, ticket):
        return AssignForm(self.request.POST, ticket=ticket, auto_id="id_%s")

    def perform(self, ticket, form):
        return services.assign_ticket(ticket, actor=self.request.user, **form.service_kwargs())

    def get_success_message(self, ticket):
        return _("整改单 %(number)s 已交办，整改期限 %(date)s。") % {
            "number": ticket.number,
            "date": ticket.deadline.isoformat(),
        }


class TicketSubmitView(TicketActionView):
    action = "submit"

    def get_form(self, ticket):
        return SubmitForm(self.request.POST, self.request.FILES)

    def perform(self, ticket, form):
        return services.submit_rectification(
            ticket, actor=self.request.user, comment=form.cleaned_data["comment"], photos=form.cleaned_data["photos"]
        )

    def get_success_message(self, ticket):
        return _("整改材料已提交，等待验收。")


class TicketVerifyView(TicketActionView):
    action = "verify"

    def get_form(self, ticket):
        return VerifyForm(self.request.POST, auto_id="verify_%s")

    def perform(self, ticket, form):
        return services.verify_ticket(
            ticket, actor=self.request.user, passed=form.passed, comment=form.cleaned_data["comment"]
        )

    def get_success_message(self, ticket):
        if ticket.status == TicketStatus.CLOSED:
            return _("验收通过，整改单 %(number)s 已销号。") % {"number": ticket.number}
        return _("验收不通过，已退回整改。")


class TicketEscalateView(TicketActionView):
    action = "escalate"

    def get_form(self, ticket):
        return EscalateForm(self.request.POST, ticket=ticket, auto_id="escalate_%s")

    def perform(self, ticket, form):
        return services.escalate_ticket(
            ticket,
            actor=self.request.user,
            comment=form.cleaned_data["comment"],
            level=form.cleaned_data.get("level") or None,
        )

    def get_success_message(self, ticket):
        return _("已督办：%(level)s。") % {"level": ticket.get_escalation_level_display()}


class TicketReopenView(TicketActionView):
    action = "reopen"

    def get_form(self, ticket):
        return ReopenForm(self.request.POST, auto_id="reopen_%s")

    def perform(self, ticket, form):
        return services.reopen_ticket(ticket, actor=self.request.user, comment=form.cleaned_data["comment"])

    def get_success_url(self, result, ticket):
        return reverse("inspections:ticket_detail", args=[result.pk])  # the new linked ticket

    def get_success_message(self, ticket):
        return _("已复查重开为新整改单 %(number)s。") % {"number": ticket.number}


class TicketCommentView(TicketActionView):
    action = "comment"

    def get_form(self, ticket):
        return CommentForm(self.request.POST, staff=is_staff_user(self.request.user), auto_id="comment_%s")

    def perform(self, ticket, form):
        return services.comment_ticket(
            ticket,
            actor=self.request.user,
            comment=form.cleaned_data["comment"],
            internal=bool(form.cleaned_data.get("internal")),
        )

    def get_success_message(self, ticket):
        return _("备注已添加。")


# --- the printable notice ---------------------------------------------------------------------


def qr_svg(text):
    """An inline SVG QR code (no network, no image file)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(text, image_factory=SvgPathImage, box_size=10, border=2)
    return mark_safe(image.to_string(encoding="unicode"))  # generated markup, no user input


class TicketNoticeView(LoginRequiredMixin, DetailView):
    """整改通知书: one A4 page per ticket, with a QR code that opens the case."""

    template_name = "inspections/notice.html"
    context_object_name = "ticket"

    def get_queryset(self):
        return Ticket.objects.visible_to(self.request.user).select_related(
            "enterprise", "parcel", "grid__zone", "zone", "assignee", "created_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ticket = self.object
        hazards = list(
            ticket.hazards.select_related("category", "reporter")
            .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("pk")))
            .order_by("pk")
        )
        url = settings.SITE_URL + ticket.get_absolute_url()
        context.update(
            hazards=hazards,
            photos=[photo for hazard in hazards for photo in hazard.photos.all()][:6],
            case_url=url,
            qr=qr_svg(url),
            legal_bases=sorted({h.category.legal_basis for h in hazards if h.category.legal_basis}),
        )
        return context
