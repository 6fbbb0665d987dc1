"""Admin for the case models.

Statuses change only through cases.services, so workflow fields are read-only here;
hazards, tickets and cross-checks are not added in admin (the services number them, lock
rows and write events), and records of the ledger are never deleted (DESIGN.md: a withdrawn
record is marked, not removed). The timeline, briefings and deliveries are view-only. An edit
a staff member does make to a hazard or ticket goes through the case services (edit_hazard,
edit_ticket_plan: the row locked, only the changed fields saved) and is written to the timeline.
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.policy import Action, allows
from accounts.scoping import ScopedAdminMixin
from cases import services
from cases.models import (
    CheckIn,
    EnterpriseVisit,
    ExtensionRequest,
    Hazard,
    Inspection,
    InspectionItem,
    ParcelVisit,
    Photo,
    Ticket,
)
from core.admin import NoDeleteAdminMixin, ReadOnlyInline, ViewOnlyAdminMixin
from core.errors import WorkflowError
from core.text import join_list
from timeline.models import Event

# --- Workflow actions: the admin drives the same services as the pages and the API ----------------


def _run_for_each(modeladmin, request, queryset, run, done_message):
    done = 0
    for obj in queryset:
        try:
            run(obj)
            done += 1
        except WorkflowError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)


# Each action is offered only to those accounts.policy lets do it (``permissions=["assign"]`` asks the
# admin's ``has_assign_permission``, which asks the policy); the service asks again for each row.


@admin.action(description=_("汇总所选隐患为整改单（按责任方）"), permissions=["aggregate"])
def aggregate_selected(modeladmin, request, queryset):
    try:
        tickets = services.aggregate_hazards(list(queryset), actor=request.user)
    except WorkflowError as exc:
        modeladmin.message_user(request, exc.message, messages.ERROR)
        return
    modeladmin.message_user(
        request,
        _("已生成 %(n)d 张整改单：%(numbers)s") % {"n": len(tickets), "numbers": join_list(t.number for t in tickets)},
        messages.SUCCESS,
    )


@admin.action(description=_("交办所选整改单（默认期限）"), permissions=["assign"])
def assign_selected(modeladmin, request, queryset):
    _run_for_each(
        modeladmin,
        request,
        queryset,
        lambda t: services.assign_ticket(t, actor=request.user),
        _("已交办 %(n)d 张整改单。"),
    )


@admin.action(description=_("督办所选整改单（升一级）"), permissions=["escalate"])
def escalate_selected(modeladmin, request, queryset):
    _run_for_each(
        modeladmin,
        request,
        queryset,
        lambda t: services.escalate_ticket(t, actor=request.user, comment=str(_("管理后台督办"))),
        _("已督办 %(n)d 张整改单。"),
    )


@admin.action(description=_("验收通过所选整改单"), permissions=["verify"])
def verify_selected(modeladmin, request, queryset):
    _run_for_each(
        modeladmin,
        request,
        queryset,
        lambda t: services.verify_ticket(t, actor=request.user, passed=True, comment=str(_("管理后台验收"))),
        _("已验收通过 %(n)d 张整改单。"),
    )


def _edited(form):
    """The fields the staff member changed, with their new values."""
    return {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}


class EventOnEditMixin:
    """An edit in the admin goes through the case service (``edit_service``): the row locked, only the
    changed fields saved, one internal timeline event naming them. The form asks the service's own
    checks (``edit_check``) first, so a refusal (e.g. blanking a major ticket's plan) shows on the form."""

    edit_service = None  # services.edit_hazard or services.edit_ticket_plan
    edit_check = None  # services.hazard_changes or services.ticket_plan_changes

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        check = type(self).edit_check

        class ServiceCheckedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if self.instance.pk is not None:
                    try:
                        check(self.instance, _edited(self))
                    except WorkflowError as exc:
                        for name, errors in (exc.errors or {None: [exc.message]}).items():
                            self.add_error(name if name in self.fields else None, errors)
                return cleaned

        return ServiceCheckedForm

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        fields = _edited(form)
        if fields:
            type(self).edit_service(obj, actor=request.user, **fields)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except WorkflowError as exc:  # refused on the locked row (someone changed it meanwhile): nothing saved
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def _thumbnail_tag(photo):
    if not photo.thumbnail:
        return "—"
    return format_html('<img src="{}" alt="" style="max-height:60px;max-width:80px">', photo.thumbnail.url)


class InspectionItemInline(ReadOnlyInline):
    model = InspectionItem
    fields = ("checklist_item", "passed", "note", "hazard")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("checklist_item", "hazard__category")


class InspectionPhotoInline(ReadOnlyInline):
    model = Photo
    fk_name = "inspection"
    fields = ("preview", "original_name", "kind", "taken_at", "uploaded_by")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("缩略图"))
    def preview(self, obj):
        return _thumbnail_tag(obj)


@admin.register(Inspection)
class InspectionAdmin(ScopedAdminMixin, NoDeleteAdminMixin, admin.ModelAdmin):
    list_display = ("inspected_at", "unit", "inspector", "zone", "grid", "source", "result", "campaign")
    list_filter = ("source", "result", "zone", "campaign", "checklist")
    search_fields = ("enterprise__name", "parcel__code", "parcel__name", "inspector__username", "notes")
    list_select_related = ("enterprise", "parcel", "inspector", "zone", "grid__zone", "campaign")
    date_hierarchy = "inspected_at"
    # Recorded through services.record_inspection (checklist results raise hazards): only the notes
    # can be corrected here.
    readonly_fields = (
        "inspector",
        "enterprise",
        "parcel",
        "grid",
        "zone",
        "inspected_at",
        "source",
        "campaign",
        "checklist",
        "result",
        "created_at",
    )
    fields = readonly_fields[:-1] + ("notes", "created_at")
    inlines = [InspectionItemInline, InspectionPhotoInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("单位"))
    def unit(self, obj):
        return obj.unit_name


class HazardPhotoInline(InspectionPhotoInline):
    fk_name = "hazard"


class TicketPhotoInline(InspectionPhotoInline):
    fk_name = "ticket"


class HazardEventInline(ReadOnlyInline):
    model = Event
    fk_name = "hazard"
    fields = ("created_at", "kind", "actor", "from_status", "to_status", "comment", "internal")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class TicketEventInline(HazardEventInline):
    fk_name = "ticket"


class TicketExtensionInline(ReadOnlyInline):
    """延期申请: requested and decided through services.request_extension / decide_extension."""

    model = ExtensionRequest
    fk_name = "ticket"
    fields = ("status", "current_deadline", "requested_deadline", "reason", "requested_by", "decided_by")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by", "decided_by")


class TicketHazardInline(ReadOnlyInline):
    model = Hazard
    fk_name = "ticket"
    fields = ("number", "category", "severity", "status", "description")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category")


@admin.register(Hazard)
class HazardAdmin(ScopedAdminMixin, EventOnEditMixin, NoDeleteAdminMixin, admin.ModelAdmin):
    edit_service = staticmethod(services.edit_hazard)
    edit_check = staticmethod(services.hazard_changes)
    actions = [aggregate_selected]
    list_display = ("number", "reported_at", "unit", "category", "severity", "status", "zone", "grid", "ticket")
    list_filter = ("status", "severity", "zone", "category", "withdrawn", "ticket__escalation_level")
    search_fields = ("number", "description", "location_detail", "enterprise__name", "parcel__code", "parcel__name")
    list_select_related = ("enterprise", "parcel", "category", "zone", "grid__zone", "ticket")
    date_hierarchy = "reported_at"
    # Editable here: the wording of the description. Everything the workflow decides (status, and
    # category and severity, which drive the duplicate fingerprint and the ticket's 五落实 plan)
    # is read-only.
    readonly_fields = (
        "number",
        "status",
        "category",
        "severity",
        "inspection",
        "enterprise",
        "parcel",
        "grid",
        "zone",
        "reporter",
        "reported_at",
        "ticket",
        "rectified_at",
        "duplicate_of",
        "likely_duplicate_of",
        "invalid_reason",
        "withdrawn",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("number", "status", "category", "severity", "description", "location_detail")}),
        (_("单位"), {"fields": ("enterprise", "parcel", "grid", "zone")}),
        (
            _("流转"),
            {
                "fields": (
                    "inspection",
                    "reporter",
                    "reported_at",
                    "ticket",
                    "rectified_at",
                    "duplicate_of",
                    "likely_duplicate_of",
                    "invalid_reason",
                    "withdrawn",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    inlines = [HazardPhotoInline, HazardEventInline]

    def has_add_permission(self, request):
        return False  # reported through services.report_hazard (numbering, duplicate check, events)

    def has_aggregate_permission(self, request):
        return allows(request.user, Action.TICKET_CREATE)

    @admin.display(description=_("单位"))
    def unit(self, obj):
        return obj.unit_name


@admin.register(Ticket)
class TicketAdmin(ScopedAdminMixin, EventOnEditMixin, NoDeleteAdminMixin, admin.ModelAdmin):
    edit_service = staticmethod(services.edit_ticket_plan)
    edit_check = staticmethod(services.ticket_plan_changes)
    actions = [assign_selected, escalate_selected, verify_selected]
    list_display = (
        "number",
        "created_at",
        "responsible",
        "status",
        "is_major",
        "deadline",
        "escalation_level",
        "zone",
        "grid",
        "assignee",
    )
    list_filter = ("status", "escalation_level", "is_major", "responsible_kind", "zone", "hazards__category")
    search_fields = ("number", "enterprise__name", "parcel__code", "parcel__name", "parcel__landlord_name", "measures")
    list_select_related = ("enterprise", "parcel", "zone", "grid__zone", "assignee")
    date_hierarchy = "created_at"
    # Editable here: the wording of the rectification plan. Status, deadline, assignee and
    # escalation change only through the services (assign_ticket, verify_ticket, escalate_ticket).
    readonly_fields = (
        "number",
        "status",
        "responsible_kind",
        "enterprise",
        "parcel",
        "grid",
        "zone",
        "landlord_copied",
        "is_major",
        "deadline",
        "assignee",
        "escalation_level",
        "escalated_at",
        "rework_count",
        "created_by",
        "created_at",
        "assigned_at",
        "submitted_at",
        "closed_at",
        "verified_by",
        "verification_comment",
        "followup_date",
        "reopened_from",
        "updated_at",
        "original_deadline",
        "closeout_approved_by",
    )
    fieldsets = (
        (None, {"fields": ("number", "status", "responsible_kind", "enterprise", "parcel", "grid", "zone")}),
        (
            _("整改方案"),
            {"fields": ("is_major", "deadline", "measures", "funds", "responsible_person", "contingency", "assignee")},
        ),
        (
            _("流转"),
            {
                "fields": (
                    "landlord_copied",
                    "escalation_level",
                    "escalated_at",
                    "rework_count",
                    "created_by",
                    "created_at",
                    "assigned_at",
                    "submitted_at",
                    "closed_at",
                    "verified_by",
                    "verification_comment",
                    "closeout_approved_by",
                    "original_deadline",
                    "followup_date",
                    "reopened_from",
                    "updated_at",
                )
            },
        ),
    )
    inlines = [TicketHazardInline, TicketExtensionInline, TicketPhotoInline, TicketEventInline]

    def has_add_permission(self, request):
        return False  # created through services.create_ticket / aggregate_hazards

    def has_assign_permission(self, request):
        return allows(request.user, Action.TICKET_ASSIGN)

    def has_escalate_permission(self, request):
        return allows(request.user, Action.TICKET_ESCALATE)

    def has_verify_permission(self, request):
        return allows(request.user, Action.TICKET_VERIFY)

    @admin.display(description=_("责任方"))
    def responsible(self, obj):
        return obj.responsible_name


@admin.register(Photo)
class PhotoAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """Photos are evidence: uploaded through the services (validated, hashed), never altered."""

    list_display = (
        "preview",
        "original_name",
        "kind",
        "hazard",
        "ticket",
        "inspection",
        "uploaded_by",
        "taken_at",
        "created_at",
    )
    list_filter = ("kind", "content_type")
    search_fields = ("original_name", "sha256", "hazard__number", "ticket__number")
    list_select_related = (
        "hazard__category",
        "ticket",
        "inspection__enterprise",
        "inspection__parcel",
        "uploaded_by",
    )
    date_hierarchy = "created_at"

    @admin.display(description=_("缩略图"))
    def preview(self, obj):
        return _thumbnail_tag(obj)


@admin.register(CheckIn)
class CheckInAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """巡更打卡: recorded from a unit's plate (services.record_checkin), append-only: staff may look only."""

    list_display = ("checked_in_at", "unit", "inspector", "zone", "grid", "distance", "accuracy", "flag")
    list_filter = ("flag", "zone")
    search_fields = ("enterprise__name", "parcel__code", "parcel__name", "inspector__username")
    list_select_related = ("enterprise", "parcel", "inspector", "zone", "grid__zone")
    date_hierarchy = "checked_in_at"

    @admin.display(description=_("单位"))
    def unit(self, obj):
        return obj.unit_name


# The units' last visits are kept by the database's triggers (cases migration 0009): shown to check them.


@admin.register(EnterpriseVisit)
class EnterpriseVisitAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("enterprise", "at")
    search_fields = ("enterprise__name",)
    list_select_related = ("enterprise",)
    date_hierarchy = "at"


@admin.register(ParcelVisit)
class ParcelVisitAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("parcel", "at")
    search_fields = ("parcel__code", "parcel__name")
    list_select_related = ("parcel",)
    date_hierarchy = "at"
