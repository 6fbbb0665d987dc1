"""Period reports (周报、月报、自定义时段): one page with a period picker, its .xlsx download.

The scope follows the daily briefings' archive (``briefing.periods.scope_allowed``): the whole area for those
who see everything, a manager's or leader's zones and their grids, an inspector's grids; another scope
answers 404. A period that cannot be reported (malformed dates, the end before the start, longer than
``MAX_DAYS``, after today) answers 400 with the reason and computes nothing. These pages only read.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.views.generic import TemplateView

from briefing import period_workbook, periods
from briefing.reports import display_rate, scope_title
from core.text import join_list


def requested_period(params):
    """The period asked for in a query string (``period``, ``start``, ``end``); raises PeriodError."""
    return periods.Period.parse(params.get("period"), params.get("start"), params.get("end"))


def read_period_report(request):
    """``(period, data)`` for the request's query string; Http404 for a scope the user may not read."""
    if not periods.may_read_reports(request.user):
        raise Http404("no reports for this role")
    period = requested_period(request.GET)
    data = periods.period_report(period, request.GET.get("scope") or None, user=request.user)
    if data is None:
        raise Http404("no such scope")
    return period, data


def _shown(row):
    return {**row, "rate": display_rate(row.get("rectification_rate"))}


class PeriodReportView(LoginRequiredMixin, TemplateView):
    template_name = "briefing/period_report.html"

    def get(self, request, *args, **kwargs):
        try:
            period, data = read_period_report(request)
        except periods.PeriodError as error:
            context = self.get_context_data(error=str(error), error_field=error.field, data=None)
            return self.render_to_response(context, status=400)
        context = self.get_context_data(
            period=period,
            data=data,
            report=data,
            title=scope_title(data),
            rate=display_rate(data["rectification_rate"]),
            as_of_display=data["as_of"][:16].replace("T", " "),
            rows=[_shown(row) for row in (data["zones"] if data["scope_kind"] == "all" else data["grids"])],
            rows_are_zones=data["scope_kind"] == "all",
            query=request.GET.urlencode(),
            inspectors=[{**row, "grids_label": join_list(row["grids"])} for row in data["performance"]["inspectors"]],
        )
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        """The period picker: the presets as links, the custom dates (the shown period's, so that another
        scope picked in the form keeps the period)."""
        context = super().get_context_data(**kwargs)
        params, data = self.request.GET, kwargs.get("data")
        custom = bool(params.get("start") or params.get("end"))
        context.update(
            presets=[(key, str(label)) for key, label in periods.PERIOD_KINDS.items() if key != "custom"],
            chosen_kind=data["period"]["kind"] if data else ("custom" if custom else params.get("period", "")),
            start_value=data["period"]["start"] if data else params.get("start", ""),
            end_value=data["period"]["end"] if data else params.get("end", ""),
            scope_value=data["scope"] if data else params.get("scope", ""),
        )
        return context


def period_export(request):
    """The period report's tables as .xlsx (the page's period and scope, in the page's language)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    try:
        _period, data = read_period_report(request)
    except periods.PeriodError as error:
        return HttpResponse(str(error).encode("utf-8"), status=400, content_type="text/plain; charset=utf-8")
    language = translation.get_language()
    response = HttpResponse(period_workbook.period_workbook(data, language), content_type=period_workbook.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=period_workbook.period_filename(data, language)
    )
    return response
