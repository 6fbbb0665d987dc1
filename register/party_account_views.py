"""开通单位账号: the register's enterprises and parcels with whether each party has an account; a manager
selects units (of their zones; an office admin any) and opens their accounts in one go. The page shows the
mobile numbers and one-time activation codes once, to print, or gives them as an .xlsx file.

Rows start from ``visible_to(request.user)``; a selected unit outside it answers 404.
"""

import django_filters
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.mixins import RoleRequiredMixin
from accounts.policy import Action
from core.parsing import parse_id
from core.views import ScopedFilterView
from core.xlsx import _stamp, write_workbook, xlsx_response
from register.filtersets import EnterpriseFilterSet, ParcelFilterSet
from register.models import Enterprise, Parcel
from register.party_accounts import PartyAccounts, outcome_headers, outcome_rows, with_accounts

MAX_SELECTED = 2000


class EnterpriseAccountFilterSet(EnterpriseFilterSet):
    has_account = django_filters.BooleanFilter(label=gettext_lazy("已开通账号"))

    class Meta(EnterpriseFilterSet.Meta):
        fields = [*EnterpriseFilterSet.Meta.fields, "has_account"]


class ParcelAccountFilterSet(ParcelFilterSet):
    has_account = django_filters.BooleanFilter(label=gettext_lazy("已开通账号"))

    class Meta(ParcelFilterSet.Meta):
        fields = [*ParcelFilterSet.Meta.fields, "has_account"]


class PartyAccountAccess(RoleRequiredMixin):
    action = Action.PARTY_ACCOUNT_CREATE
    refusal_message = gettext_lazy("只有交办/安监人员和系统管理员可以为单位开通账号。")


class PartyAccountListMixin(PartyAccountAccess):
    template_name = "register/party_accounts.html"
    primary_filters = ("q", "zone_id", "grid_id", "has_account")
    kind = ""

    def get_queryset(self):
        return with_accounts(super().get_queryset().select_related("grid__zone"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kind"] = self.kind
        return context


class EnterpriseAccountListView(PartyAccountListMixin, ScopedFilterView):
    model = Enterprise
    filterset_class = EnterpriseAccountFilterSet
    kind = "enterprise"
    hidden_filters = ScopedFilterView.hidden_filters + ("parcel",)

    def get_queryset(self):
        return super().get_queryset().filter(active=True).order_by("name", "pk")


class ParcelAccountListView(PartyAccountListMixin, ScopedFilterView):
    model = Parcel
    filterset_class = ParcelAccountFilterSet
    kind = "parcel"

    def get_queryset(self):
        return super().get_queryset().order_by("code")


def _selected(request, model):
    """The selected units, all of them in the user's scope (else 404)."""
    ids = {parse_id(value) for value in request.POST.getlist("ids")}
    if None in ids:
        raise Http404
    if len(ids) > MAX_SELECTED:
        raise Http404
    units = list(model.objects.visible_to(request.user).filter(pk__in=ids).select_related("grid__zone"))
    if len(units) != len(ids):
        raise Http404
    return units


class PartyAccountCreateView(PartyAccountAccess, View):
    """Open the accounts of the selected units; show (or give as .xlsx) the mobile numbers and codes once."""

    def post(self, request, kind):
        model = {"enterprise": Enterprise, "parcel": Parcel}.get(kind)
        if model is None:
            raise Http404
        units = _selected(request, model)
        back = "register:party_accounts_enterprises" if kind == "enterprise" else "register:party_accounts_parcels"
        if not units:
            messages.error(request, _("请先勾选要开通账号的单位。"))
            return redirect(back)
        accounts = PartyAccounts(by=request.user, reissue=bool(request.POST.get("reissue")))
        enterprises, parcels = (units, ()) if kind == "enterprise" else ((), units)
        outcomes = accounts.run(enterprises, parcels)
        counts = accounts.counts()
        if request.POST.get("format") == "xlsx":
            handle = write_workbook(
                _("激活码"), outcome_headers(), outcome_rows(outcomes), widths=(12, 30, 24, 16, 12, 14, 40)
            )
            return xlsx_response(handle, f"{_('单位账号激活码')}-{_stamp()}.xlsx")
        context = {"outcomes": outcomes, "counts": counts, "kind": kind, "back": back}
        return render(request, "register/party_accounts_done.html", context)
