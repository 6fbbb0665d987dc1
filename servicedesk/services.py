"""Every change of an enterprise service request happens here: asked of the one policy (accounts.policy)
before and again on the locked row, one event on the request's stream (``servicerequest:<id>``).

    request  open        --dispatch-->   dispatched (a department and a deadline: 分类派发, 限时办结)
    request  dispatched  --dispatch-->   dispatched (another department or deadline)
    request  dispatched  --answer-->     answered   (the department's answer)
    request  answered    --confirm(satisfied)-->     closed     (rated 1–5: 事后跟踪)
    request  answered    --confirm(not satisfied)--> dispatched (returned, return_count + 1)
    request  closed      --reopen-->     open
    request  open/dispatched/answered --escalate (and the daily job, cases.escalation)--> level + 1
"""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Department
from accounts.policy import Action, require
from cases import escalation
from cases.choices import EscalationLevel
from cases.deadlines import validate_deadline
from cases.services.base import next_number
from core import dates
from core.errors import TransitionNotAllowed, ValidationFailed
from servicedesk.choices import ServiceRequestStatus as S
from servicedesk.models import ServiceCategory, ServiceRequest
from timeline.chain import append_event
from timeline.kinds import EventKind


def _invalid(field, message, code):
    raise ValidationFailed(message, {field: [message]}, code=code)


def _locked(request):
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


def _event(request, kind, actor, *, before, comment="", data=None):
    append_event(
        kind=kind,
        actor=actor,
        parcel=request.parcel,
        from_status=before,
        to_status=request.status,
        comment=comment,
        data={"service_request": request.pk, **(data or {})},
        stream=request.stream,
    )


@transaction.atomic
def raise_request(*, actor, enterprise, category, title, description=""):
    """An enterprise's request (or an inspector's or manager's on its behalf)."""
    require(actor, Action.SERVICE_REQUEST_RAISE, enterprise)
    title = (title or "").strip()
    if not title:
        _invalid("title", _("请填写问题。"), "title_required")
    if not isinstance(category, ServiceCategory):
        category = ServiceCategory.objects.filter(pk=category, active=True).first()
    if category is None or not category.active:
        _invalid("category", _("请选择问题类别。"), "category_required")
    request = ServiceRequest.objects.create(
        number=next_number("FW"),
        enterprise=enterprise,
        parcel=enterprise.parcel,
        grid=enterprise.grid,
        zone_id=enterprise.grid.zone_id,
        category=category,
        title=title,
        description=(description or "").strip(),
        raised_by=actor,
        created_at=dates.now(),
    )
    _event(request, EventKind.SERVICE_REQUEST_RAISED, actor, before="", comment=request.title)
    return request


@transaction.atomic
def dispatch_request(request, *, actor, department=None, deadline=None, comment=""):
    """分类派发: to a department (default: the category's) with a deadline (default: the category's time
    limit from today)."""
    require(actor, Action.SERVICE_REQUEST_DISPATCH, request)
    request = _locked(request)
    require(actor, Action.SERVICE_REQUEST_DISPATCH, request)
    if department is not None and not isinstance(department, Department):
        department = Department.objects.filter(pk=department, active=True).first()
        if department is None:
            _invalid("department", _("请选择承办部门。"), "department_required")
    department = department or request.category.department
    if department is None:
        _invalid("department", _("请选择承办部门。"), "department_required")
    today = dates.today()
    deadline = validate_deadline(deadline, today=today) or today + timedelta(days=request.category.time_limit_days)
    before = request.status
    request.status = S.DISPATCHED
    request.department = department
    request.deadline = deadline
    request.dispatched_by = actor
    request.dispatched_at = dates.now()
    request.save()
    _event(
        request,
        EventKind.SERVICE_REQUEST_DISPATCHED,
        actor,
        before=before,
        comment=comment,
        data={"department": department.pk, "deadline": deadline.isoformat()},
    )
    return request


@transaction.atomic
def answer_request(request, *, actor, answer):
    """The department's answer; the enterprise then confirms it."""
    require(actor, Action.SERVICE_REQUEST_ANSWER, request)
    request = _locked(request)
    require(actor, Action.SERVICE_REQUEST_ANSWER, request)
    answer = (answer or "").strip()
    if not answer:
        _invalid("answer", _("请填写办理答复。"), "answer_required")
    before = request.status
    request.status = S.ANSWERED
    request.answer = answer
    request.answered_by = actor
    request.answered_at = dates.now()
    request.save()
    _event(request, EventKind.SERVICE_REQUEST_ANSWERED, actor, before=before, comment=answer)
    return request


@transaction.atomic
def confirm_request(request, *, actor, satisfied, rating=None, feedback=""):
    """事后跟踪: satisfied closes the request with a rating (1–5); not satisfied sends it back to the
    department (a reason is needed)."""
    require(actor, Action.SERVICE_REQUEST_CONFIRM, request)
    request = _locked(request)
    require(actor, Action.SERVICE_REQUEST_CONFIRM, request)
    feedback = (feedback or "").strip()
    before = request.status
    if satisfied:
        try:
            rating = int(rating)
        except (TypeError, ValueError):
            rating = 0
        if not 1 <= rating <= 5:
            _invalid("rating", _("请为办理结果评分（1–5 分）。"), "rating_required")
        request.status = S.CLOSED
        request.rating = rating
        request.feedback = feedback
        request.closed_at = dates.now()
        request.save()
        _event(
            request,
            EventKind.SERVICE_REQUEST_CONFIRMED,
            actor,
            before=before,
            comment=feedback,
            data={"rating": rating},
        )
        return request
    if not feedback:
        _invalid("feedback", _("请说明不满意的原因。"), "reason_required")
    request.status = S.DISPATCHED
    request.return_count += 1
    request.save()
    _event(request, EventKind.SERVICE_REQUEST_RETURNED, actor, before=before, comment=feedback)
    return request


@transaction.atomic
def reopen_request(request, *, actor, comment):
    """A closed request opened again (the problem came back): open, to be dispatched anew."""
    require(actor, Action.SERVICE_REQUEST_REOPEN, request)
    request = _locked(request)
    require(actor, Action.SERVICE_REQUEST_REOPEN, request)
    comment = (comment or "").strip()
    if not comment:
        _invalid("comment", _("请说明重新打开的原因。"), "reason_required")
    before = request.status
    request.status = S.OPEN
    request.closed_at = None
    request.deadline = None
    request.escalation_level = EscalationLevel.NONE
    request.save()
    _event(request, EventKind.SERVICE_REQUEST_REOPENED, actor, before=before, comment=comment)
    return request


def _raise_level(request, target, *, actor, comment="", data=None):
    """Called by cases.escalation on the locked row, and by ``escalate_request``."""
    previous = request.escalation_level
    request.escalation_level = target
    request.escalated_at = dates.now()
    request.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
    _event(
        request,
        EventKind.SERVICE_REQUEST_ESCALATED,
        actor,
        before=request.status,
        comment=comment,
        data={"from_level": previous, "to_level": target, **(data or {})},
    )
    return request


@transaction.atomic
def escalate_request(request, *, actor, comment=""):
    """督办 by hand: one level up."""
    require(actor, Action.SERVICE_REQUEST_ESCALATE, request)
    request = _locked(request)
    require(actor, Action.SERVICE_REQUEST_ESCALATE, request)
    if request.escalation_level >= EscalationLevel.LISTED:
        raise TransitionNotAllowed(_("已是最高督办级别。"), code="escalation_at_maximum")
    return _raise_level(request, request.escalation_level + 1, actor=actor, comment=(comment or "").strip())


escalation.register(escalation.CaseKind("service_request", ServiceRequest, _raise_level))
