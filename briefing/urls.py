from django.urls import path

from briefing.views import dashboard, inbox, letter_reminders, periods, reports

app_name = "briefing"

urlpatterns = [
    path("cases/reports/", reports.ReportListView.as_view(), name="report_list"),
    path("cases/reports/period/", periods.PeriodReportView.as_view(), name="period_report"),
    path("cases/reports/period/export.xlsx", periods.period_export, name="period_export"),
    path("cases/reports/<str:date>/", reports.ReportDetailView.as_view(), name="report_detail"),
    path("cases/reports/<str:date>/export.xlsx", reports.report_export, name="report_export"),
    path("cases/dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("cases/dashboard/data/", dashboard.DashboardDataView.as_view(), name="dashboard_data"),
    path("messages/", inbox.InboxView.as_view(), name="inbox"),
    path("messages/<int:pk>/read/", inbox.MarkReadView.as_view(), name="inbox_read"),
    path("messages/read-all/", inbox.MarkAllReadView.as_view(), name="inbox_read_all"),
    path("messages/preferences/", inbox.PreferenceView.as_view(), name="inbox_preferences"),
    path("ledgers/letters/remind/", letter_reminders.LetterRemindView.as_view(), name="letter_remind"),
]
