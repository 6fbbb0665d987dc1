from django.urls import path

from briefing.views import dashboard, reports

app_name = "briefing"

urlpatterns = [
    path("cases/reports/", reports.ReportListView.as_view(), name="report_list"),
    path("cases/reports/<str:date>/", reports.ReportDetailView.as_view(), name="report_detail"),
    path("cases/reports/<str:date>/export.xlsx", reports.report_export, name="report_export"),
    path("cases/dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("cases/dashboard/data/", dashboard.DashboardDataView.as_view(), name="dashboard_data"),
]
