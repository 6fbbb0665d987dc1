"""The "焊有序" welding-control devices: the register with counts per zone and per risk tag, its export,
and the entry form (登记, 修改). Devices are looked up through ``visible_to(request.user)``."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.mixins import refused
from accounts.policy import Action, allows, check
from core.errors import WorkflowError
from core.parsing import parse_id
from core.views import ScopedFilterView, workflow_refusal
from ledgers import exports, welding
from ledgers.choices import DeviceStatus
from ledgers.filtersets import WeldingDeviceFilterSet
from ledgers.forms import WeldingDeviceForm
from ledgers.models import WeldingDevice
from register.choices import RiskTag

DEVICE_RELATED = ("zone", "grid", "enterprise", "parcel")


class WeldingDeviceListView(ScopedFilterView):
    model = WeldingDevice
    filterset_class = WeldingDeviceFilterSet
    template_name = "ledgers/welding/device_list.html"
    export_url_name = "ledgers:welding_export"
    primary_filters = ("q", "status", "zone_id", "grid_id", "enterprise", "risk_tag")
    sort_keys = ("installed_on", "welding_points")

    def get_queryset(self):
        return super().get_queryset().select_related(*DEVICE_RELATED).defer("parcel__polygon")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.object_list.order_by()
        context["zone_counts"] = list(
            rows.values("zone_id", "zone__name")
            .annotate(
                devices=Count("pk"),
                in_use=Count("pk", filter=Q(status=DeviceStatus.IN_USE)),
                points=Sum("welding_points"),
            )
            .order_by("zone__name")
        )
        by_tag = dict(
            rows.filter(enterprise__risk_tags__isnull=False)
            .values_list("enterprise__risk_tags")
            .annotate(n=Count("pk"))
            .values_list("enterprise__risk_tags", "n")
        )
        context["tag_counts"] = [
            {"code": code, "label": label, "count": by_tag.get(code, 0)} for code, label in RiskTag.choices
        ]
        statuses = dict(DeviceStatus.choices)
        for device in context["object_list"]:
            device.status_label = statuses.get(device.status, device.status)
        user = self.request.user
        context["create_url"] = reverse("ledgers:welding_create") if allows(user, Action.LEDGER_RECORD) else ""
        context["can_edit"] = allows(user, Action.LEDGER_RECORD)
        return context


class WeldingDeviceExportView(LoginRequiredMixin, View):
    def get(self, request):
        return exports.welding_export(request)


def form_page(request, form, *, device=None, status=200):
    return render(request, "ledgers/welding/device_form.html", {"form": form, "device": device}, status=status)


def _saved(request, form, device, save, message):
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容。"))
        return form_page(request, form, device=device, status=400)
    try:
        save(**form.service_kwargs())
    except WorkflowError as exc:
        status = workflow_refusal(request, form, exc)
        return form_page(request, form, device=device, status=status)
    messages.success(request, message)
    return redirect("ledgers:welding_list")


class WeldingDeviceCreateView(LoginRequiredMixin, View):
    """登记焊有序设备 at an enterprise of the user's scope (``?enterprise=<id>`` preselects it)."""

    def refusal(self, request):
        error = check(request.user, Action.LEDGER_RECORD).error
        return None if error is None else refused(request, error.message, error.http_status)

    def get(self, request):
        enterprise = parse_id(request.GET.get("enterprise"))
        initial = {"enterprise": enterprise} if enterprise else {}
        return self.refusal(request) or form_page(request, WeldingDeviceForm(user=request.user, initial=initial))

    def post(self, request):
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        form = WeldingDeviceForm(request.POST, user=request.user)

        def save(**kwargs):
            return welding.record_welding_device(actor=request.user, **kwargs)

        return _saved(request, form, None, save, _("焊有序设备已登记。"))


class WeldingDeviceEditView(LoginRequiredMixin, View):
    def refusal(self, request, pk):
        queryset = WeldingDevice.objects.visible_to(request.user).select_related("enterprise")
        self.device = get_object_or_404(queryset, pk=pk)
        error = check(request.user, Action.LEDGER_RECORD, self.device.enterprise, in_scope=True).error
        return None if error is None else refused(request, error.message, error.http_status)

    def get(self, request, pk):
        return self.refusal(request, pk) or form_page(
            request, WeldingDeviceForm(user=request.user, device=self.device), device=self.device
        )

    def post(self, request, pk):
        refusal = self.refusal(request, pk)
        if refusal is not None:
            return refusal
        form = WeldingDeviceForm(request.POST, user=request.user, device=self.device)

        def save(**kwargs):
            return welding.update_welding_device(self.device, actor=request.user, **kwargs)

        return _saved(request, form, self.device, save, _("焊有序设备已修改。"))
