from django.urls import path

from briefing.api import periods, views

urlpatterns = [
    path("reports/daily/<str:date>/", views.DailyReportView.as_view(), name="daily-report"),
    path("reports/period/", periods.PeriodReportView.as_view(), name="period-report"),
    path(
        "reports/daily/<str:date>/regenerate/",
        views.DailyReportRegenerateView.as_view(),
        name="daily-report-regenerate",
    ),
]
