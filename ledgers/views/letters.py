"""Responsibility letters (安全生产责任书): the letters of a year and their export, the coverage per zone and grid
with the missing list (and its export), a party's letter page (下发, 登记签订 with the scan, 过期) and the scan.

Views parse input, call ledgers.letters and render; the services decide. A letter or unit is always looked up
through ``visible_to(request.user)`` (another unit's answers 404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.choices import Role
from accounts.mixins import RoleRequiredMixin, refused
from accounts.policy import STAFF_ROLES, Action, check, has_role
from core.errors import WorkflowError
from core.views import ScopedFilterView, workflow_refusal
from core.xlsx import CHUNK_SIZE, _bad_filters, _stamp, list_export, write_workbook, xlsx_response
from ledgers import letters
from ledgers.choices import LetterKind, LetterStatus
from ledgers.filtersets import LetterFilterSet
from ledgers.forms_letters import CoverageForm, LetterRecordForm
from ledgers.models import ResponsibilityLetter
from register.filtersets import ParcelFilterSet
from register.models import Enterprise, Parcel

LETTER_RELATED = ("zone", "grid", "parcel", "enterprise", "template", "updated_by")
MISSING_SHOWN = 300


def record_url(kind, unit_id, year):
    return f"{reverse('ledgers:letter_record', args=[kind, unit_id])}?year={year}"


# --- the letters of a year, and their export ------------------------------------------------------------------


class LetterListView(ScopedFilterView):
    model = ResponsibilityLetter
    filterset_class = LetterFilterSet
    template_name = "ledgers/letters/letter_list.html"
    export_url_name = "ledgers:letter_export"
    primary_filters = ("q", "year", "kind", "status", "zone_id", "grid_id")
    hidden_filters = ("zone", "grid", "parcel_id", "enterprise_id")

    def get_queryset(self):
        return super().get_queryset().select_related(*LETTER_RELATED).defer("parcel__polygon")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.filterset.chosen_year()
        for letter in context["object_list"]:
            unit_id = letter.parcel_id if letter.kind == LetterKind.LANDLORD else letter.enterprise_id
            letter.record_url = record_url(letter.kind, unit_id, letter.year)
        context["year"] = year
        context["coverage_url"] = f"{reverse('ledgers:letter_coverage')}?year={year}"
        return context


def letter_headers():
    return [
        _("序号"),
        _("年度"),
        _("区块"),
        _("网格"),
        _("类型"),
        _("责任方"),
        _("宗地"),
        _("状态"),
        _("下发日期"),
        _("签订人"),
        _("签订日期"),
        _("扫描件"),
        _("备注"),
    ]


LETTER_WIDTHS = (6, 8, 10, 14, 22, 26, 24, 10, 12, 12, 12, 8, 30)


def letter_rows(queryset):
    queryset = queryset.select_related("zone", "grid", "parcel", "enterprise").defer("parcel__polygon")
    kinds = {value: str(label) for value, label in LetterKind.choices}
    statuses = {value: str(label) for value, label in LetterStatus.choices}
    yes, no = _("有"), _("无")
    for index, letter in enumerate(queryset.iterator(chunk_size=CHUNK_SIZE), start=1):
        yield [
            index,
            letter.year,
            letter.zone.name,
            letter.grid.name,
            kinds.get(letter.kind, letter.kind),
            letter.party_name,
            f"{letter.parcel.code} {letter.parcel.name}" if letter.parcel_id else "",
            statuses.get(letter.status, letter.status),
            letter.issued_on,
            letter.signatory,
            letter.signed_on,
            yes if letter.scan else no,
            letter.notes,
        ]


# 安全生产责任书台账 (.xlsx): the rows the list shows for the same query string.
letter_export = list_export(
    ResponsibilityLetter,
    LetterFilterSet,
    gettext_lazy("安全生产责任书台账"),
    letter_headers,
    letter_rows,
    LETTER_WIDTHS,
    gettext_lazy("安全生产责任书台账-%(date)s.xlsx"),
)


# --- coverage and the missing list ---------------------------------------------------------------------------------


class CoverageAccessMixin(RoleRequiredMixin):
    roles = STAFF_ROLES
    refusal_message = gettext_lazy("责任书签订情况仅供网格员、交办/安监人员和领导查看。")


def coverage_scope(request):
    """``(year, parcels, enterprises, filterset)`` of the coverage page's query (None when it is not valid)."""
    form = CoverageForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or letters.current_year()
    parcels = Parcel.objects.visible_to(request.user)
    enterprises = Enterprise.objects.visible_to(request.user)
    filterset = ParcelFilterSet(request.GET or None, queryset=parcels, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return None
    if filterset.is_bound:
        data = filterset.form.cleaned_data
        if data.get("zone_id"):
            parcels = parcels.filter(grid__zone__in=data["zone_id"])
            enterprises = enterprises.filter(grid__zone__in=data["zone_id"])
        if data.get("grid_id"):
            parcels = parcels.filter(grid__in=data["grid_id"])
            enterprises = enterprises.filter(grid__in=data["grid_id"])
    return year, parcels, enterprises, filterset


class LetterCoverageView(CoverageAccessMixin, View):
    def get(self, request):
        scope = coverage_scope(request)
        if scope is None:
            return refused(request, _("筛选条件无效。"), 400)
        year, parcels, enterprises, filterset = scope
        figures = letters.coverage(year, parcels=parcels, enterprises=enterprises)
        missing = letters.missing_letters(year, parcels=parcels, enterprises=enterprises)
        for item in missing[:MISSING_SHOWN]:
            item.record_url = record_url(item.kind, item.unit_id, year)
        query = request.GET.copy()
        query.pop("page", None)
        form = filterset.form
        context = {
            "year": year,
            "years": list(range(letters.current_year() + 1, letters.current_year() - 5, -1)),
            "figures": figures,
            "missing": missing[:MISSING_SHOWN],
            "missing_count": len(missing),
            "missing_cut": len(missing) > MISSING_SHOWN,
            "filter_fields": [form["zone_id"], form["grid_id"]],
            "query": query.urlencode(),
            "can_remind": has_role(request.user, (Role.MANAGER,)),
            "list_url": f"{reverse('ledgers:letter_list')}?year={year}",
        }
        return render(request, "ledgers/letters/letter_coverage.html", context)


def missing_headers():
    return [_("序号"), _("年度"), _("区块"), _("网格"), _("类型"), _("责任方"), _("宗地"), _("当前状态"), _("联系电话")]


MISSING_WIDTHS = (6, 8, 10, 14, 22, 26, 24, 10, 14)


def missing_rows(year, missing):
    for index, item in enumerate(missing, start=1):
        phone = item.parcel.landlord_phone if item.kind == LetterKind.LANDLORD else item.enterprise.phone
        parcel = f"{item.parcel.code} {item.parcel.name}" if item.parcel is not None else ""
        yield [
            index,
            year,
            item.zone.name,
            item.grid.name,
            str(item.kind_label),
            item.party_name,
            parcel,
            str(item.status_label),
            phone,
        ]


class MissingExportView(CoverageAccessMixin, View):
    """未签订责任书清单 (.xlsx): every required letter of the year not signed, for the page's query."""

    def get(self, request):
        scope = coverage_scope(request)
        if scope is None:
            return _bad_filters()
        year, parcels, enterprises, _filterset = scope
        missing = letters.missing_letters(year, parcels=parcels, enterprises=enterprises)
        title = _("未签订责任书清单（%(year)s 年度）") % {"year": year}
        handle = write_workbook(title, missing_headers(), missing_rows(year, missing), MISSING_WIDTHS)
        return xlsx_response(handle, _("未签订责任书清单-%(date)s.xlsx") % {"date": _stamp()})


# --- a party's letter: issue, sign, expire ----------------------------------------------------------------------------


def party_unit(request, kind, pk):
    """The party's unit in the user's scope (404 outside it or for an unknown kind)."""
    if kind not in LetterKind.values:
        raise Http404
    model = Parcel if kind == LetterKind.LANDLORD else Enterprise
    return get_object_or_404(model.objects.visible_to(request.user).select_related("grid__zone"), pk=pk)


def _year(request):
    value = request.GET.get("year") or request.POST.get("year") or ""
    try:
        return letters.clean_year(value) if value else letters.current_year()
    except WorkflowError:
        raise Http404 from None


class LetterRecordView(LoginRequiredMixin, View):
    """One party's letter of one year: its state, the template's wording, and the form of what may be done."""

    def setup_party(self, request, kind, pk):
        self.kind = kind
        self.unit = party_unit(request, kind, pk)
        self.year = _year(request)
        parcel = self.unit if kind == LetterKind.LANDLORD else None
        enterprise = None if kind == LetterKind.LANDLORD else self.unit
        self.letter = (
            ResponsibilityLetter.objects.visible_to(request.user)
            .filter(letters.party_q(kind, parcel, enterprise), year=self.year, kind=kind)
            .select_related("template", "updated_by")
            .first()
        )
        self.status = self.letter.status if self.letter is not None else LetterStatus.NOT_ISSUED
        allowed = letters.TRANSITIONS[LetterStatus(self.status)]
        if not has_role(request.user, (Role.INSPECTOR, Role.MANAGER)):
            allowed = tuple(s for s in allowed if s not in letters.OFFICE_ACTS)
        self.allowed = allowed
        return check(request.user, Action.LEDGER_RECORD, self.unit, in_scope=True).error

    def page(self, request, form=None, status=200, refusal=None):
        template = (self.letter.template if self.letter is not None else None) or letters._default_template(self.kind)
        context = {
            "kind": self.kind,
            "kind_label": LetterKind(self.kind).label,
            "unit": self.unit,
            "year": self.year,
            "letter": self.letter,
            "status_label": LetterStatus(self.status).label,
            "template": template,
            "form": None
            if refusal is not None or not self.allowed
            else (form or LetterRecordForm(kind=self.kind, allowed=self.allowed)),
            "refusal": refusal,
            "scan_url": reverse("ledgers:letter_scan", args=[self.letter.pk])
            if self.letter is not None and self.letter.scan
            else "",
            "today": timezone.localdate(),
        }
        return render(request, "ledgers/letters/letter_record.html", context, status=status)

    def get(self, request, kind, pk):
        refusal = self.setup_party(request, kind, pk)
        return self.page(request, refusal=refusal.message if refusal is not None else None)

    def post(self, request, kind, pk):
        refusal = self.setup_party(request, kind, pk)
        if refusal is not None:
            messages.error(request, refusal.message)
            return self.page(request, status=refusal.http_status, refusal=refusal.message)
        form = LetterRecordForm(request.POST, request.FILES, kind=self.kind, allowed=self.allowed)
        if not form.is_valid():
            messages.error(request, _("请检查填写的内容。"))
            return self.page(request, form, status=400)
        values = form.service_kwargs()
        try:
            if self.letter is None:
                party = {"parcel": self.unit} if self.kind == LetterKind.LANDLORD else {"enterprise": self.unit}
                letter = letters.record_letter(
                    actor=request.user,
                    year=self.year,
                    kind=self.kind,
                    template=form.cleaned_data.get("template"),
                    **party,
                    **values,
                )
            else:
                letter = letters.change_letter(self.letter, actor=request.user, **values)
        except WorkflowError as exc:
            status = workflow_refusal(request, form, exc)
            return self.page(request, form, status=status)
        messages.success(
            request,
            _("%(party)s %(year)s 年度%(kind)s：%(status)s。")
            % {
                "party": letter.party_name,
                "year": letter.year,
                "kind": letter.get_kind_display(),
                "status": letter.get_status_display(),
            },
        )
        return redirect(record_url(self.kind, self.unit.pk, self.year))


@login_required
def letter_scan(request, pk):
    """The letter's scan, only to whoever may see the letter (another unit's answers 404)."""
    letter = get_object_or_404(ResponsibilityLetter.objects.visible_to(request.user), pk=pk)
    if not letter.scan:
        raise Http404
    try:
        handle = letter.scan.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, filename=letter.scan.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
