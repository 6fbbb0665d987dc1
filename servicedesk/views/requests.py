"""The service request pages: the list, the page of one request with the actions its status allows, the
form that raises one.

Views parse input, call servicedesk.services, and render. A request is always found through
``visible_to(request.user)``: another unit's or department's request answers 404. The page offers an
action exactly when accounts.policy allows it; a POST of a refused action answers with its error (403 role,
409 status) before any input is read; bad input answers 400 with the form's messages; nothing is changed.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.models import Department
from accounts.policy import Action, allows, check, decisions
from cases.choices import EscalationLevel
from cases.deadlines import days_overdue
from core.errors import WorkflowError
from core.forms import add_workflow_errors
from core.parsing import parse_id
from core.views import CaseActionView, ScopedFilterView
from register.models import Enterprise
from servicedesk import services
from servicedesk.choices import ServiceRequestStatus as S
from servicedesk.filtersets import ServiceRequestFilterSet
from servicedesk.forms import AnswerForm, ConfirmForm, DispatchForm, EscalateForm, RaiseForm, ReopenForm
from servicedesk.models import ServiceRequest
from timeline import display
from timeline.kinds import EventKind

# The page's forms and the policy's actions they do.
PAGE_ACTIONS = {
    "dispatch": Action.SERVICE_REQUEST_DISPATCH,
    "answer": Action.SERVICE_REQUEST_ANSWER,
    "confirm": Action.SERVICE_REQUEST_CONFIRM,
    "reopen": Action.SERVICE_REQUEST_REOPEN,
    "escalate": Action.SERVICE_REQUEST_ESCALATE,
}

STATUS_TABS = (
    ("", gettext_lazy("全部")),
    *((status.value, status.label) for status in S),
    ("overdue", gettext_lazy("已逾期")),
    ("escalated", gettext_lazy("督办中")),
)


# The badge colours the ticket statuses have (static/css/app.css), for the steps that match.
STATUS_CLASS = {S.OPEN: "pending", S.DISPATCHED: "assigned", S.ANSWERED: "submitted", S.CLOSED: "closed"}


def prepare_rows(rows):
    """Each row's link, labels and overdue days, worked out once per page."""
    sentinel = 2147483647
    url = reverse("servicedesk:request_detail", args=[sentinel])
    statuses = {value: str(label) for value, label in S.choices}
    levels = {value: str(label) for value, label in EscalationLevel.choices}
    today = timezone.localdate()
    for row in rows:
        row.url = url.replace(str(sentinel), str(row.pk))
        row.status_label = statuses.get(row.status, row.status)
        row.status_class = STATUS_CLASS.get(row.status, row.status)
        row.escalation_label = levels.get(row.escalation_level, "")
        row.overdue_days = days_overdue(row, today)
        row.created_day = timezone.localtime(row.created_at).date().isoformat()
    return rows


def request_queryset(user):
    return ServiceRequest.objects.visible_to(user).select_related("enterprise", "category", "department", "grid__zone")


class ServiceRequestListView(ScopedFilterView):
    model = ServiceRequest
    filterset_class = ServiceRequestFilterSet
    template_name = "servicedesk/request_list.html"
    primary_filters = ("q", "status", "category", "department", "zone_id", "grid_id", "overdue", "escalated")
    sort_keys = ("number", "created_at", "deadline", "status", "escalation_level")
    export_url_name = "servicedesk:request_export"

    def get_queryset(self):
        return request_queryset(self.request.user).defer("description", "answer", "feedback")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        prepare_rows(context["object_list"])
        get = self.request.GET
        statuses = get.getlist("status")
        flags = [key for key in ("overdue", "escalated") if get.get(key) in ("true", "True", "1")]
        if not statuses and len(flags) == 1:
            current = flags[0]
        elif len(statuses) == 1 and not flags:
            current = statuses[0]
        elif not statuses and not flags:
            current = ""
        else:
            current = None
        context["status_tabs"] = [
            {
                "key": key,
                "label": label,
                "query": f"{key}=true" if key in ("overdue", "escalated") else (f"status={key}" if key else ""),
                "active": key == current,
            }
            for key, label in STATUS_TABS
        ]
        context["can_raise"] = allows(self.request.user, Action.SERVICE_REQUEST_RAISE)
        return context


# --- the page of one request ------------------------------------------------------------------


def visible_request(request, pk):
    queryset = request_queryset(request.user).select_related("parcel", "raised_by", "dispatched_by", "answered_by")
    return get_object_or_404(queryset, pk=pk)


def refusals(user, service_request):
    """For each of the page's actions, None when ``user`` may do it now, else the refusal."""
    decided = decisions(user, service_request, in_scope=True)
    return {name: decided[action].error for name, action in PAGE_ACTIONS.items()}


def _event_detail(event, departments):
    data = event.data or {}
    if event.kind == EventKind.SERVICE_REQUEST_DISPATCHED:
        name = departments.get(data.get("department"), "")
        return _("承办部门 %(department)s，办结期限 %(date)s") % {"department": name, "date": data.get("deadline", "")}
    if event.kind == EventKind.SERVICE_REQUEST_ESCALATED:
        level = data.get("to_level")
        text = str(EscalationLevel(level).label) if level in EscalationLevel.values else ""
        if data.get("days_overdue"):
            text += _("（逾期 %(n)s 天）") % {"n": data["days_overdue"]}
        return text
    if event.kind == EventKind.SERVICE_REQUEST_CONFIRMED and data.get("rating"):
        return _("评分 %(n)s 分") % {"n": data["rating"]}
    return ""


def request_events(service_request):
    """The request's timeline: the events of its own stream, oldest first (the request was found in scope)."""
    events = list(display.stream_events(service_request.stream))
    ids = {e.data.get("department") for e in events if isinstance(e.data, dict) and e.data.get("department")}
    departments = dict(Department.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return display.label_events(
        events, statuses=dict(S.choices), detail=lambda event: _event_detail(event, departments)
    )


def _forms(service_request, refused, bound):
    found = {}
    builders = {
        "dispatch": lambda: DispatchForm(request=service_request, auto_id="dispatch_%s"),
        "answer": lambda: AnswerForm(auto_id="answer_%s"),
        "confirm": lambda: ConfirmForm(auto_id="confirm_%s"),
        "reopen": lambda: ReopenForm(auto_id="reopen_%s"),
        "escalate": lambda: EscalateForm(auto_id="escalate_%s"),
    }
    for name, build in builders.items():
        if refused[name] is None:
            found[name] = bound.get(name) or build()
    return found


def request_page(request, service_request, *, bound=None, status=200):
    refused = refusals(request.user, service_request)
    today = timezone.localdate()
    context = {
        "object": service_request,
        "sr": service_request,
        "status_class": STATUS_CLASS.get(service_request.status, service_request.status),
        "overdue_days": days_overdue(service_request, today),
        "is_overdue": service_request.is_overdue(today),
        "events": request_events(service_request),
        "forms": _forms(service_request, refused, bound or {}),
    }
    return render(request, "servicedesk/request_detail.html", context, status=status)


class ServiceRequestDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        return request_page(request, visible_request(request, pk))


class ServiceRequestActionView(CaseActionView):
    """POST one action on one request (core.views.CaseActionView). Subclasses name it, build the form and
    call the service; ``get_success_message`` gets the request as the service left it."""

    form_class = None

    def find(self, pk):
        return visible_request(self.request, pk)

    def refusal(self, service_request):
        return refusals(self.request.user, service_request)[self.action]

    def render_case(self, service_request, bound=None, status=200):
        return request_page(self.request, service_request, bound=bound, status=status)

    def get_form(self, service_request):
        return self.form_class(self.request.POST, auto_id=f"{self.action}_%s")

    def success_message(self, service_request, result):
        return self.get_success_message(result)

    def get_success_message(self, service_request):
        raise NotImplementedError


class DispatchView(ServiceRequestActionView):
    action = "dispatch"

    def get_form(self, service_request):
        return DispatchForm(self.request.POST, request=service_request, auto_id="dispatch_%s")

    def perform(self, service_request, form):
        data = form.cleaned_data
        return services.dispatch_request(
            service_request,
            actor=self.request.user,
            department=data["department"],
            deadline=data["deadline"],
            comment=data["comment"],
        )

    def get_success_message(self, service_request):
        return _("已派发至 %(department)s，办结期限 %(date)s。") % {
            "department": service_request.department.name,
            "date": service_request.deadline.isoformat(),
        }


class AnswerView(ServiceRequestActionView):
    action = "answer"
    form_class = AnswerForm

    def perform(self, service_request, form):
        return services.answer_request(service_request, actor=self.request.user, answer=form.cleaned_data["answer"])

    def get_success_message(self, service_request):
        return _("已答复，等待企业确认。")


class ConfirmView(ServiceRequestActionView):
    action = "confirm"
    form_class = ConfirmForm

    def perform(self, service_request, form):
        data = form.cleaned_data
        return services.confirm_request(
            service_request,
            actor=self.request.user,
            satisfied=form.satisfied,
            rating=data.get("rating"),
            feedback=data.get("feedback", ""),
        )

    def get_success_message(self, service_request):
        if service_request.status == S.CLOSED:
            return _("已确认办结，感谢您的评价。")
        return _("已退回承办部门重新办理。")


class ReopenView(ServiceRequestActionView):
    action = "reopen"
    form_class = ReopenForm

    def perform(self, service_request, form):
        return services.reopen_request(service_request, actor=self.request.user, comment=form.cleaned_data["comment"])

    def get_success_message(self, service_request):
        return _("服务问题已重新打开，等待派发。")


class EscalateView(ServiceRequestActionView):
    action = "escalate"
    form_class = EscalateForm

    def perform(self, service_request, form):
        return services.escalate_request(service_request, actor=self.request.user, comment=form.cleaned_data["comment"])

    def get_success_message(self, service_request):
        return _("已督办：%(level)s。") % {"level": service_request.get_escalation_level_display()}


# --- raising a request ------------------------------------------------------------------------


class ServiceRequestCreateView(LoginRequiredMixin, View):
    """提出服务问题: an enterprise for itself, an inspector or a manager for an enterprise in scope."""

    template_name = "servicedesk/request_form.html"

    def enterprises(self):
        return Enterprise.objects.visible_to(self.request.user).filter(active=True).order_by("name")

    def refuse_role(self):
        decision = check(self.request.user, Action.SERVICE_REQUEST_RAISE)
        if not decision:
            raise PermissionDenied(decision.error.message)

    def render(self, form, status=200):
        return render(self.request, self.template_name, {"form": form}, status=status)

    def get(self, request):
        self.refuse_role()
        initial = {}
        chosen = parse_id(request.GET.get("enterprise"))
        if chosen:
            initial["enterprise"] = chosen
        return self.render(RaiseForm(enterprises=self.enterprises(), initial=initial))

    def post(self, request):
        self.refuse_role()
        form = RaiseForm(request.POST, enterprises=self.enterprises())
        if not form.is_valid():
            messages.error(request, _("请检查填写的内容。"))
            return self.render(form, status=400)
        data = form.cleaned_data
        try:
            created = services.raise_request(
                actor=request.user,
                enterprise=data["enterprise"],
                category=data["category"],
                title=data["title"],
                description=data["description"],
            )
        except WorkflowError as exc:
            messages.error(request, exc.message)
            add_workflow_errors(form, exc)
            return self.render(form, status=exc.http_status)
        messages.success(request, _("服务问题 %(number)s 已提交，等待派发。") % {"number": created.number})
        return redirect(created.get_absolute_url())
