"""The ticket list, the ticket page with every action its status allows, and the printable notice.

Views parse input, call cases.services, and render; the services decide. Every queryset
starts from ``visible_to(request.user)``: a ticket outside the user's scope answers 404.
A refused action re-renders the page with the service's message and the HTTP status that fits
(400 bad input, 403 role or scope, 409 wrong status); a done action redirects (POST-redirect-GET).
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.policy import Action, allows, decisions, is_staff_user
from cases import services
from cases.choices import EscalationLevel, PhotoKind, TicketStatus
from cases.deadlines import days_overdue
from cases.filtersets import TicketFilterSet
from cases.forms import (
    AssignForm,
    ChangePartyForm,
    CloseoutForm,
    CommentForm,
    EscalateForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ReassignForm,
    ReopenForm,
    SubmitForm,
    SubmitOnBehalfForm,
    VerifyForm,
)
from cases.models import ExtensionRequest, Hazard, Photo, Ticket
from cases.policies import TICKET_ACTIONS
from cases.services.closing import assessment_content_type
from cases.views.timeline import ticket_events
from core.paging import CappedPaginator
from core.views import CaseActionView, ScopedFilterView

# The page's forms and the policy's actions they do.
PAGE_ACTIONS = {
    **TICKET_ACTIONS,
    "comment_internal": Action.TICKET_COMMENT_INTERNAL,
}


def ticket_refusals(user, ticket):
    """For each of the page's actions, None when this user may do it on this ticket now, else the
    WorkflowError the service would raise (accounts.policy decides both). The page offers only the
    allowed actions; a POST of a refused one is answered with its error before any input is read.
    The services ask the policy again under the lock. ``ticket`` was found through visible_to."""
    decided = decisions(user, ticket, in_scope=True)
    return {name: decided[action].error for name, action in PAGE_ACTIONS.items()}


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
    (TicketStatus.CLOSEOUT_PENDING, TicketStatus.CLOSEOUT_PENDING.label),
    ("overdue", gettext_lazy("已逾期")),
    (TicketStatus.CLOSED, TicketStatus.CLOSED.label),
)


def prepare_rows(tickets):
    """What each row of the list shows, worked out once per page in Python: the link, the status
    and escalation labels, overdue days, the day it was made, the first two hazard categories.
    In the template these cost a reverse(), a lazy label lookup and a ``|date`` per row and cell,
    most of the page's rendering time (PERFORMANCE.md: keep per-row filters and includes few)."""
    sentinel = 2147483647
    url = reverse("cases:ticket_detail", args=[sentinel])
    statuses = {value: str(label) for value, label in TicketStatus.choices}
    levels = {value: str(label) for value, label in EscalationLevel.choices}
    today = timezone.localdate()
    for ticket in tickets:
        ticket.url = url.replace(str(sentinel), str(ticket.pk))
        ticket.status_label = statuses.get(ticket.status, ticket.status)
        ticket.escalation_label = levels.get(ticket.escalation_level, ticket.escalation_level)
        ticket.overdue_days = days_overdue(ticket, today)
        ticket.created_day = timezone.localtime(ticket.created_at).date().isoformat()
        hazards = list(ticket.hazards.all())
        ticket.hazard_names = [hazard.category.name for hazard in hazards[:2]]
        ticket.hazard_count = len(hazards)
    return tickets


class TicketListView(ScopedFilterView):
    model = Ticket
    filterset_class = TicketFilterSet
    template_name = "cases/ticket_list.html"
    primary_filters = ("q", "status", "zone_id", "grid_id", "severity", "category", "overdue", "escalation_level")
    sort_keys = ("number", "created_at", "deadline", "status", "escalation_level")
    paginate_by_keys = True
    paginator_class = CappedPaginator  # "more than 1000": counting 482k tickets was 250 ms of 300 at 1M

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
        context["can_bulk_assign"] = allows(self.request.user, Action.TICKET_CREATE)  # the link to the desk
        return context


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
    major = ticket.is_major
    if refusals["submit"] is None:
        forms_["submit"] = bound.get("submit") or SubmitForm(major=major)
    if refusals["submit_on_behalf"] is None:
        forms_["submit_on_behalf"] = bound.get("submit_on_behalf") or SubmitOnBehalfForm(
            major=major, auto_id="behalf_%s"
        )
    if refusals["extension"] is None:
        forms_["extension"] = bound.get("extension") or ExtensionRequestForm(auto_id="extension_%s")
    if refusals["decide_extension"] is None:
        forms_["decide_extension"] = bound.get("decide_extension") or ExtensionDecisionForm(auto_id="decide_%s")
    if refusals["reassign"] is None:
        forms_["reassign"] = bound.get("reassign") or ReassignForm(ticket=ticket, auto_id="reassign_%s")
    if refusals["change_party"] is None:
        forms_["change_party"] = bound.get("change_party") or ChangePartyForm(
            ticket=ticket, enterprises=services.party_choices(ticket), auto_id="party_%s"
        )
    if refusals["closeout"] is None:
        forms_["closeout"] = bound.get("closeout") or CloseoutForm(auto_id="closeout_%s")
    if refusals["verify"] is None:
        forms_["verify"] = bound.get("verify") or VerifyForm(auto_id="verify_%s")
    if refusals["escalate"] is None:
        forms_["escalate"] = bound.get("escalate") or EscalateForm(ticket=ticket, auto_id="escalate_%s")
    if refusals["reopen"] is None:
        forms_["reopen"] = bound.get("reopen") or ReopenForm(auto_id="reopen_%s")
    if refusals["comment"] is None:
        internal = refusals["comment_internal"] is None
        forms_["comment"] = bound.get("comment") or CommentForm(staff=internal, auto_id="comment_%s")
    context = {
        "ticket": ticket,
        "object": ticket,
        "hazards": hazards,
        "photos": {"before": before, "after": after},
        "events": ticket_events(user, ticket),
        "extension_requests": list(
            ExtensionRequest.objects.filter(ticket=ticket).select_related("requested_by", "decided_by")
        ),
        "forms": forms_,
        "staff": staff,
        "can": {action: refusal is None for action, refusal in refusals.items()},
    }
    return render(request, "cases/ticket_detail.html", context, status=status)


def visible_ticket(request, pk):
    queryset = Ticket.objects.visible_to(request.user).select_related(
        "enterprise", "parcel", "grid__zone", "assignee", "created_by", "verified_by", "reopened_from"
    )
    return get_object_or_404(queryset, pk=pk)


class TicketDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        return ticket_page(request, visible_ticket(request, pk))


class TicketActionView(CaseActionView):
    """POST one action on one ticket (core.views.CaseActionView). Subclasses name the action, build the
    form, call the service."""

    def find(self, pk):
        return visible_ticket(self.request, pk)

    def refusal(self, ticket):
        return ticket_refusals(self.request.user, ticket)[self.action]

    def render_case(self, ticket, bound=None, status=200):
        return ticket_page(self.request, ticket, bound=bound, status=status)

    def get_success_message(self, ticket):
        raise NotImplementedError

    def success_message(self, ticket, result):
        return self.get_success_message(result if isinstance(result, Ticket) else ticket)

    def success_url(self, ticket, result):
        next_url = self.request.POST.get("next", "")
        if next_url and url_has_allowed_host_and_scheme(next_url, {self.request.get_host()}, self.request.is_secure()):
            return next_url  # e.g. back to the inspector's verification queue
        return self.get_success_url(result, ticket)

    def get_success_url(self, result, ticket):
        return reverse("cases:ticket_detail", args=[ticket.pk])


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
        return SubmitForm(self.request.POST, self.request.FILES, major=ticket.is_major)

    def perform(self, ticket, form):
        return services.submit_rectification(
            ticket, actor=self.request.user, captured_at=self.captured_at, **form.service_kwargs()
        )

    def get_success_message(self, ticket):
        return _("整改材料已提交，等待验收。")


class TicketSubmitOnBehalfView(TicketActionView):
    """代为提交整改: the grid's inspector or the zone's manager records the party's fix."""

    action = "submit_on_behalf"

    def get_form(self, ticket):
        return SubmitOnBehalfForm(self.request.POST, self.request.FILES, major=ticket.is_major, auto_id="behalf_%s")

    def perform(self, ticket, form):
        return services.submit_rectification(
            ticket, actor=self.request.user, on_behalf=True, captured_at=self.captured_at, **form.service_kwargs()
        )

    def get_success_message(self, ticket):
        return _("已代 %(party)s 提交整改材料，等待验收。") % {"party": ticket.responsible_name}


class TicketVerifyView(TicketActionView):
    action = "verify"

    def get_form(self, ticket):
        return VerifyForm(self.request.POST, self.request.FILES, auto_id="verify_%s")

    def perform(self, ticket, form):
        return services.verify_ticket(
            ticket,
            actor=self.request.user,
            passed=form.passed,
            comment=form.cleaned_data["comment"],
            photos=form.cleaned_data["photos"],
        )

    def get_success_message(self, ticket):
        if ticket.status == TicketStatus.CLOSED:
            return _("验收通过，整改单 %(number)s 已销号。") % {"number": ticket.number}
        if ticket.status == TicketStatus.CLOSEOUT_PENDING:
            return _("验收通过，等待交办人员销号审批。")
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
        return reverse("cases:ticket_detail", args=[result.pk])  # the new linked ticket

    def get_success_message(self, ticket):
        return _("已复查重开为新整改单 %(number)s。") % {"number": ticket.number}


class TicketCommentView(TicketActionView):
    action = "comment"

    def get_form(self, ticket):
        internal = allows(self.request.user, Action.TICKET_COMMENT_INTERNAL, ticket, in_scope=True)
        return CommentForm(self.request.POST, staff=internal, auto_id="comment_%s")

    def perform(self, ticket, form):
        return services.comment_ticket(
            ticket,
            actor=self.request.user,
            comment=form.cleaned_data["comment"],
            internal=bool(form.cleaned_data.get("internal")),
        )

    def get_success_message(self, ticket):
        return _("备注已添加。")


class TicketExtensionView(TicketActionView):
    """延期申请: the party (or staff on its behalf) asks for a later deadline."""

    action = "extension"

    def get_form(self, ticket):
        return ExtensionRequestForm(self.request.POST, auto_id="extension_%s")

    def perform(self, ticket, form):
        return services.request_extension(ticket, actor=self.request.user, **form.cleaned_data)

    def get_success_message(self, ticket):
        return _("延期申请已提交，等待交办人员审批。")


class TicketExtensionDecideView(TicketActionView):
    action = "decide_extension"

    def get_form(self, ticket):
        return ExtensionDecisionForm(self.request.POST, auto_id="decide_%s")

    def perform(self, ticket, form):
        return services.decide_extension(
            ticket, actor=self.request.user, approve=form.approved, comment=form.cleaned_data["comment"]
        )

    def get_success_message(self, ticket):
        return _("已审批延期申请，当前整改期限 %(date)s。") % {"date": ticket.deadline.isoformat()}


class TicketReassignView(TicketActionView):
    """调整交办: deadline, assignee, 整改责任人."""

    action = "reassign"

    def get_form(self, ticket):
        return ReassignForm(self.request.POST, ticket=ticket, auto_id="reassign_%s")

    def perform(self, ticket, form):
        return services.reassign_ticket(ticket, actor=self.request.user, **form.service_kwargs())

    def get_success_message(self, ticket):
        return _("交办内容已调整。")


class TicketChangePartyView(TicketActionView):
    action = "change_party"

    def get_form(self, ticket):
        enterprises = services.party_choices(ticket)
        return ChangePartyForm(self.request.POST, ticket=ticket, enterprises=enterprises, auto_id="party_%s")

    def perform(self, ticket, form):
        return services.change_responsible_party(ticket, actor=self.request.user, **form.service_kwargs())

    def get_success_message(self, ticket):
        return _("责任方已变更为 %(party)s。") % {"party": ticket.responsible_name}


class TicketCloseoutView(TicketActionView):
    """销号审批 of a major hazard's ticket."""

    action = "closeout"

    def get_form(self, ticket):
        return CloseoutForm(self.request.POST, auto_id="closeout_%s")

    def perform(self, ticket, form):
        return services.decide_closeout(
            ticket, actor=self.request.user, approve=form.approved, comment=form.cleaned_data["comment"]
        )

    def get_success_message(self, ticket):
        if ticket.status == TicketStatus.CLOSED:
            return _("销号审批通过，整改单 %(number)s 已销号。") % {"number": ticket.number}
        return _("已退回整改。")


class TicketAssessmentView(LoginRequiredMixin, View):
    """The ticket's assessment report (治理情况评估报告), to whoever sees the ticket."""

    def get(self, request, pk):
        ticket = visible_ticket(request, pk)
        if not ticket.assessment_report:
            raise Http404
        try:
            handle = ticket.assessment_report.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=assessment_content_type(ticket))
        response["Cache-Control"] = "private, max-age=86400"
        return response
