"""The manager's desk: the inbox of reported hazards grouped by responsible party, aggregation into
tickets (measures and deadline prefilled from the categories), and bulk assignment."""

from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from accounts.policy import Action, allows
from cases import services
from cases.choices import ResponsibleKind, TicketStatus
from cases.filtersets import HazardFilterSet, TicketFilterSet
from cases.forms import AggregateFormSet, BulkAssignForm, reported_hazards
from cases.models import Hazard, Photo, Ticket
from cases.views.hazards import safe_next
from cases.views.tickets import ticket_hazards_prefetch
from catalogue.choices import CategoryLevel, Severity
from core.errors import WorkflowError
from core.forms import add_workflow_errors
from core.parsing import parse_id
from core.text import join_list, parens
from core.views import ScopedFilterView


class ManagerRequiredMixin(LoginRequiredMixin):
    """The desk is the managers' (交办/安监人员) page; anyone else is told so, and nothing changes."""

    refusal_message = gettext_lazy("交办台仅供交办/安监人员使用。")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not allows(request.user, Action.TICKET_CREATE):  # the desk is where reports are aggregated
            messages.error(request, self.refusal_message)
            return render(request, "cases/desk_refused.html", status=403)
        return super().dispatch(request, *args, **kwargs)


# --- grouping by responsible party --------------------------------------------------------------


def party_of(hazard):
    """(key, kind, enterprise, parcel) of the party a hazard's ticket would go to (services' rule)."""
    kind, enterprise, parcel = services.responsible_party(hazard)
    key = (kind, enterprise.pk if enterprise is not None else parcel.pk)
    return key, kind, enterprise, parcel


def party_name(kind, enterprise, parcel):
    if kind == ResponsibleKind.ENTERPRISE:
        return enterprise.name
    return (parcel.landlord_name or _("房东")) + parens(parcel.name)


def group_by_party(hazards):
    """Hazards grouped by responsible party, in the order first met."""
    groups = OrderedDict()
    for hazard in hazards:
        key, kind, enterprise, parcel = party_of(hazard)
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "key": f"{kind}-{key[1]}",
                "kind": kind,
                "kind_label": ResponsibleKind(kind).label,
                "enterprise": enterprise,
                "parcel": parcel,
                "name": party_name(kind, enterprise, parcel),
                "hazards": [],
                "is_major": False,
            }
        group["hazards"].append(hazard)
        group["is_major"] = group["is_major"] or hazard.severity == Severity.MAJOR
    return list(groups.values())


def hazards_for_desk(queryset):
    return queryset.select_related(
        "category", "enterprise__parcel", "parcel", "grid__zone", "reporter", "likely_duplicate_of"
    )


# --- the inbox ----------------------------------------------------------------------------------

# What an inbox row shows and groups by, and nothing else: a page holds up to 100 hazards, each with
# eight joined rows, and loading whole rows (descriptions of the duplicate, users' profiles) was a
# third of the page's cost. A column missing here would cost a query per row (tests count them).
DESK_ROW_JOINS = ("category", "enterprise__parcel", "parcel", "reporter", "likely_duplicate_of")
DESK_ROW_COLUMNS = (
    *("number", "enterprise_id", "parcel_id", "category_id", "severity", "description", "location_detail"),
    *("reporter_id", "reported_at", "likely_duplicate_of_id"),
    *("category__name", "category__level", "reporter__username", "reporter__first_name", "reporter__last_name"),
    *("enterprise__name", "enterprise__parcel_id", "likely_duplicate_of__number"),
    *(f"{parcel}__{name}" for parcel in ("parcel", "enterprise__parcel") for name in ("code", "name", "landlord_name")),
)


class DeskView(ManagerRequiredMixin, ScopedFilterView):
    """待汇总隐患: reported hazards, grouped by responsible party; likely duplicates flagged."""

    model = Hazard
    filterset_class = HazardFilterSet
    template_name = "cases/desk_inbox.html"
    paginate_by_keys = True  # the page's ids first, then their joins and photos (core.queries.page_by_keys)
    primary_filters = ("q", "zone_id", "grid_id", "category", "severity", "likely_duplicate")
    hidden_filters = ScopedFilterView.hidden_filters + ("status", "ordering")

    def get_queryset(self):
        landlord_first = Case(
            When(Q(category__level=CategoryLevel.PARCEL) | Q(enterprise__isnull=True), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return (
            reported_hazards(self.request.user)
            .select_related(*DESK_ROW_JOINS)
            .only(*DESK_ROW_COLUMNS)
            .annotate(party_order=landlord_first)
            .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("pk"), to_attr="desk_photos"))
            .order_by("parcel__code", "party_order", "enterprise__name", "enterprise_id", "reported_at", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["groups"] = group_by_party(context["object_list"])
        for group in context["groups"]:
            n = len(group["hazards"])
            group["count_label"] = ngettext("%(n)s 条", "%(n)s 条", n) % {"n": n}
        return context


# --- aggregation --------------------------------------------------------------------------------


def _initial_for(group):
    hazards = group["hazards"]
    return {
        "hazards": [h.pk for h in hazards],
        "measures": services.default_measures(hazards),
        "deadline": services.default_deadline(hazards),
        "assign": True,
    }


def _groups_for_formset(formset, user):
    """Each form's hazards and party, for display (also when the POST was invalid)."""
    ids_per_form = []
    for form in formset.forms:
        value = form["hazards"].value() or []
        ids_per_form.append([pk for pk in map(parse_id, map(str, value)) if pk])
    wanted = {pk for ids in ids_per_form for pk in ids}
    found = {h.pk: h for h in hazards_for_desk(Hazard.objects.visible_to(user).filter(pk__in=wanted))}
    described = []
    for form, ids in zip(formset.forms, ids_per_form, strict=True):
        hazards = [found[pk] for pk in ids if pk in found]
        group = group_by_party(hazards)[0] if hazards else {"name": "", "hazards": [], "is_major": False}
        described.append({**group, "form": form})
    return described


class DeskAggregateView(ManagerRequiredMixin, View):
    """GET: the chosen hazards grouped by party, each group's ticket prefilled. POST: create the
    tickets (one per party) and, where asked, assign them at once."""

    template_name = "cases/desk_aggregate.html"

    def get(self, request):
        ids = [pk for pk in map(parse_id, request.GET.getlist("hazards")) if pk]
        if not ids:
            messages.error(request, _("请至少选择一条隐患。"))
            return redirect("cases:desk")
        hazards = list(
            hazards_for_desk(reported_hazards(request.user).filter(pk__in=ids)).order_by(
                "parcel__code", "enterprise_id", "reported_at", "pk"
            )
        )
        skipped = len(set(ids)) - len(hazards)
        if skipped:
            messages.warning(request, _("有 %(n)d 条所选隐患已被处理或不在您的范围内，已略过。") % {"n": skipped})
        if not hazards:
            return redirect("cases:desk")
        groups = group_by_party(hazards)
        formset = AggregateFormSet(initial=[_initial_for(g) for g in groups], user=request.user)
        return self.render(request, formset)

    def render(self, request, formset, status=200):
        context = {"formset": formset, "groups": _groups_for_formset(formset, request.user)}
        return render(request, self.template_name, context, status=status)

    def post(self, request):
        formset = AggregateFormSet(request.POST, user=request.user)
        if not formset.is_valid():
            messages.error(request, _("请检查填写的内容。"))
            for error in formset.non_form_errors():
                messages.error(request, error)
            return self.render(request, formset, status=400)
        # Each party's ticket is made, and assigned when asked, in one go; if any group is refused
        # (e.g. a major hazard's 五落实 plan is missing), nothing is saved and the page shows why.
        created, refused = [], []
        try:
            with transaction.atomic():
                for form in formset.forms:
                    data = form.cleaned_data
                    try:
                        with transaction.atomic():
                            created.append(self.aggregate(request.user, data))
                    except WorkflowError as exc:
                        add_workflow_errors(form, exc)
                        numbers = join_list(h.number for h in data["hazards"])
                        refused.append(
                            (exc, _("%(numbers)s 未能汇总交办：%(error)s") % {"numbers": numbers, "error": exc.message})
                        )
                if refused:
                    raise AggregationRefused
        except AggregationRefused:
            for _exc, text in refused:
                messages.error(request, text)
            messages.error(request, _("本次汇总未保存任何整改单，请补全后重新提交（或取消“汇总后立即交办”）。"))
            return self.render(request, formset, status=refused[0][0].http_status)
        messages.success(
            request,
            _("已汇总生成 %(n)d 张整改单：%(numbers)s。")
            % {"n": len(created), "numbers": join_list(t.number for t in created)},
        )
        if len(created) == 1:
            return redirect(created[0].get_absolute_url())
        return redirect("cases:desk")

    @staticmethod
    def aggregate(user, data):
        ticket = services.create_ticket(
            list(data["hazards"]), actor=user, measures=data["measures"], deadline=data["deadline"]
        )
        if data["assign"]:
            ticket = services.assign_ticket(
                ticket,
                actor=user,
                deadline=data["deadline"],
                funds=data["funds"],
                responsible_person=data["responsible_person"] or None,
                contingency=data["contingency"] or None,
            )
        return ticket


class AggregationRefused(Exception):
    """A group of the aggregation was refused: roll every group back."""


# --- bulk assignment ------------------------------------------------------------------------


class DeskPendingView(ManagerRequiredMixin, ScopedFilterView):
    """汇总待交办: pending tickets to assign one by one or several at once with one deadline."""

    model = Ticket
    filterset_class = TicketFilterSet
    template_name = "cases/desk_pending.html"
    paginate_by_keys = True
    primary_filters = ("q", "zone_id", "grid_id", "severity", "category")
    hidden_filters = ScopedFilterView.hidden_filters + (
        "status",
        "overdue",
        "escalation_level",
        "ordering",
        "deadline_after",
        "deadline_before",
    )

    def get_queryset(self):
        return (
            Ticket.objects.visible_to(self.request.user)
            .filter(status=TicketStatus.PENDING)
            .select_related("enterprise", "parcel", "grid__zone")
            .prefetch_related(ticket_hazards_prefetch())
            .order_by("created_at", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # After a refused bulk assignment the refused rows stay ticked and the deadline and note filled in.
        kept = self.request.session.pop(KEPT_SELECTION, None) or {}
        context["selected"] = {pk for pk in (parse_id(str(v)) for v in kept.get("tickets", ())) if pk}
        initial = {name: kept[name] for name in ("deadline", "comment") if kept.get(name)}
        context["bulk_form"] = BulkAssignForm(user=self.request.user, initial=initial, auto_id="bulk_%s")
        return context


KEPT_SELECTION = "desk_bulk_selection"


def keep_selection(request, tickets):
    """Remember the rows to keep ticked (and the deadline and note) for the page the POST returns to."""
    request.session[KEPT_SELECTION] = {
        "tickets": [str(pk) for pk in tickets],
        "deadline": request.POST.get("deadline", ""),
        "comment": request.POST.get("comment", ""),
    }


class DeskBulkAssignView(ManagerRequiredMixin, View):
    """Assign each chosen ticket through the service; one ticket's refusal does not stop the others."""

    def get(self, request):
        return redirect("cases:desk_pending")

    def post(self, request):
        back = safe_next(request, reverse("cases:desk_pending"))
        form = BulkAssignForm(request.POST, user=request.user)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            keep_selection(request, [pk for pk in request.POST.getlist("tickets") if parse_id(pk)])
            return redirect(back)
        done, refused = [], []
        for ticket in form.cleaned_data["tickets"].order_by("created_at", "pk"):
            try:
                services.assign_ticket(
                    ticket,
                    actor=request.user,
                    deadline=form.cleaned_data["deadline"],
                    comment=form.cleaned_data["comment"],
                )
            except WorkflowError as exc:
                messages.error(
                    request, _("%(number)s 未能交办：%(error)s") % {"number": ticket.number, "error": exc.message}
                )
                refused.append(ticket.pk)
                continue
            done.append(ticket.number)
        if refused:
            keep_selection(request, refused)
        if done:
            messages.success(
                request, _("已交办 %(n)d 张整改单：%(numbers)s。") % {"n": len(done), "numbers": join_list(done)}
            )
        return redirect(back)
