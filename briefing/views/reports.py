"""The archive of daily briefings: a list of stored reports and one day's report.

Every queryset starts from ``DailyReport.objects.visible_to(user)``: a leader or manager with
zones sees their zones' (and those zones' grids') reports, one responsible for the whole area
every report (one with neither sees none), an inspector their grids' reports; a report outside
the user's scope answers 404. These pages only read: a stored briefing changes only through
the daily job or an office administrator's regenerate (briefing.archive).
"""

from datetime import date

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F
from django.db.models.fields.json import KT
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.views.generic import ListView, TemplateView

from briefing import reports, workbook
from briefing.models import DailyReport
from core.parsing import parse_id

SCOPE_ORDER = {"all": 0, "zone": 1, "grid": 2}


def _parse(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404("bad date") from None


def _scope_sort_key(report):
    kind, _sep, pk = report.scope.partition(":")
    return SCOPE_ORDER.get(kind, 3), parse_id(pk) or 0


class ReportListView(LoginRequiredMixin, ListView):
    template_name = "briefing/report_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            DailyReport.objects.visible_to(self.request.user)
            .defer("data")
            .annotate(
                scope_name=KT("data__scope_name"),
                found=KT("data__found"),
                rate=KT("data__rectification_rate"),
                overdue=KT("data__overdue"),
                new=KT("data__day__new"),
                inspections=KT("data__day__inspections"),
            )
            .order_by("-date", F("grid_id").asc(nulls_first=True), F("zone_id").asc(nulls_first=True), "scope")
        )


class ReportDetailView(LoginRequiredMixin, TemplateView):
    """One day's report; ``?scope=`` picks among the day's reports the user may see (default: the widest)."""

    template_name = "briefing/report_detail.html"

    def get_reports(self):
        day = _parse(self.kwargs["date"])
        visible = sorted(
            DailyReport.objects.visible_to(self.request.user).filter(date=day).defer("data"), key=_scope_sort_key
        )
        if not visible:
            raise Http404("no report")
        wanted = self.request.GET.get("scope") or visible[0].scope
        chosen = next((r for r in visible if r.scope == wanted), None)
        if chosen is None:
            raise Http404("no such report")
        return day, visible, DailyReport.objects.get(pk=chosen.pk)

    def get_context_data(self, **kwargs):
        day, visible, report = self.get_reports()
        context = super().get_context_data(**kwargs)
        context.update(reports.presentation(report.data))
        context.update(
            object=report,
            day=day,
            scopes=[{**item, "current": item["scope"] == report.scope} for item in _scope_names(visible)],
            previous_day=DailyReport.objects.visible_to(self.request.user).filter(date__lt=day).order_by("-date")
            .values_list("date", flat=True).first(),
            next_day=DailyReport.objects.visible_to(self.request.user).filter(date__gt=day).order_by("date")
            .values_list("date", flat=True).first(),
        )  # fmt: skip
        return context


def _scope_names(visible):
    """The name of each visible scope, read from the JSON without loading it whole."""
    rows = DailyReport.objects.filter(pk__in=[r.pk for r in visible]).values_list("scope", KT("data__scope_name"))
    names = {}
    for scope, name in rows:
        names[scope] = reports.scope_title({"scope": scope, "scope_kind": scope.partition(":")[0], "scope_name": name})
    return [{"scope": r.scope, "name": names.get(r.scope, r.scope)} for r in visible]


def report_export(request, date):
    """The report's tables as .xlsx, as attached to the e-mail."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    view = ReportDetailView(request=request, kwargs={"date": date})
    _day, _visible, report = view.get_reports()
    language = translation.get_language()  # the page's language: the user's choice
    content = workbook.report_workbook(report.data, language)
    response = HttpResponse(content, content_type=workbook.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=workbook.report_filename(report.data, language)
    )
    return response
