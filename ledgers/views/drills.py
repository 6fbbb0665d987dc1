"""Training and drills (消防培训演练): the ledger list with its summary and export, a session's page, the
record and edit forms, and the session's files (sign-in sheet, photos), served only to who sees the session.

Views parse input, call ledgers.drills and render; the services decide. A session is always looked up
through ``visible_to(request.user)``: another unit's answers 404.
"""

import mimetypes
import os

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.mixins import refused
from accounts.policy import Action, allows, check
from core.errors import WorkflowError
from core.views import ScopedFilterView, workflow_refusal
from ledgers import drills, exports
from ledgers.filtersets import DrillFilterSet
from ledgers.forms import DrillForm
from ledgers.models import Drill, DrillPhoto

DRILL_RELATED = ("zone", "grid", "enterprise", "parcel")


class DrillListView(ScopedFilterView):
    model = Drill
    filterset_class = DrillFilterSet
    template_name = "ledgers/drills/drill_list.html"
    export_url_name = "ledgers:drill_export"
    primary_filters = ("held_after", "held_before", "year", "kind", "zone_id", "grid_id", "enterprise", "q")
    sort_keys = ("held_on", "participants")

    def get_queryset(self):
        return super().get_queryset().select_related(*DRILL_RELATED).defer("parcel__polygon").prefetch_related("units")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = self.object_list.order_by().aggregate(sessions=Count("pk"), person_times=Sum("participants"))
        context["summary"] = {"sessions": summary["sessions"], "person_times": summary["person_times"] or 0}
        for drill in context["object_list"]:
            drill.unit_label = exports.drill_unit(drill)
        context["record_url"] = (
            reverse("ledgers:drill_create") if allows(self.request.user, Action.LEDGER_RECORD) else ""
        )
        return context


class DrillExportView(LoginRequiredMixin, View):
    """消防培训演练台账 (.xlsx) of the rows the list shows for the same query string."""

    def get(self, request):
        return exports.drill_export(request)


def visible_drill(request, pk):
    queryset = Drill.objects.visible_to(request.user).select_related(*DRILL_RELATED, "recorded_by")
    return get_object_or_404(queryset.defer("parcel__polygon"), pk=pk)


class DrillDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        drill = visible_drill(request, pk)
        context = {
            "drill": drill,
            "object": drill,
            "units": list(drill.units.all()),
            "photos": list(drill.photos.all()),
            "unit_label": exports.drill_unit(drill),
            "can_edit": drills.edit_refusal(request.user, drill) is None,
            "signin_name": os.path.basename(drill.signin_sheet.name) if drill.signin_sheet else "",
        }
        return render(request, "ledgers/drills/drill_detail.html", context)


def form_page(request, form, *, drill=None, status=200):
    context = {"form": form, "drill": drill, "max_photos": drills.MAX_PHOTOS}
    return render(request, "ledgers/drills/drill_form.html", context, status=status)


def _saved(request, form, drill, save, message):
    """Run ``save`` (a service call); re-render with its refusal, or redirect to the session."""
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容。"))
        return form_page(request, form, drill=drill, status=400)
    try:
        saved = save(**form.service_kwargs())
    except WorkflowError as exc:
        status = workflow_refusal(request, form, exc)
        return form_page(request, form, drill=drill, status=status)
    messages.success(request, message)
    return redirect("ledgers:drill_detail", pk=saved.pk)


class DrillCreateView(LoginRequiredMixin, View):
    """录入培训演练: an enterprise's (or landlord's) own, or park-wide for a zone or grid (staff)."""

    def refusal(self, request):
        error = check(request.user, Action.LEDGER_RECORD).error
        return None if error is None else refused(request, error.message, error.http_status)

    def get(self, request):
        return self.refusal(request) or form_page(request, DrillForm(user=request.user))

    def post(self, request):
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        form = DrillForm(request.POST, request.FILES, user=request.user)

        def save(**kwargs):
            return drills.record_drill(actor=request.user, **kwargs)

        return _saved(request, form, None, save, _("培训演练已录入。"))


class DrillEditView(LoginRequiredMixin, View):
    """修改: the recorder, or an inspector or manager of the session's scope."""

    def refusal(self, request, pk):
        self.drill = visible_drill(request, pk)
        error = drills.edit_refusal(request.user, self.drill)
        return None if error is None else refused(request, error.message, error.http_status)

    def get(self, request, pk):
        return self.refusal(request, pk) or form_page(
            request, DrillForm(user=request.user, drill=self.drill), drill=self.drill
        )

    def post(self, request, pk):
        refusal = self.refusal(request, pk)
        if refusal is not None:
            return refusal
        form = DrillForm(request.POST, request.FILES, user=request.user, drill=self.drill)

        def save(**kwargs):
            return drills.edit_drill(self.drill, actor=request.user, **kwargs)

        return _saved(request, form, self.drill, save, _("培训演练已修改。"))


def _serve(field):
    """The stored file (local disk or the private bucket: the storage API) of a drill the caller may see."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type, filename=os.path.basename(field.name))
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class DrillSigninSheetView(LoginRequiredMixin, View):
    """The sign-in sheet scan, for those who see the session (another unit's: 404)."""

    def get(self, request, pk):
        return _serve(visible_drill(request, pk).signin_sheet)


class DrillPhotoView(LoginRequiredMixin, View):
    def get(self, request, pk, photo):
        drill = visible_drill(request, pk)
        return _serve(get_object_or_404(DrillPhoto, drill=drill, pk=photo).image)
