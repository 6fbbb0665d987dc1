from django.urls import path

from . import exports
from .views import desk, hazards, tickets

app_name = "inspections"

urlpatterns = []

# --- case pages: tickets, hazards, the manager's desk, exports ---------------------------------
urlpatterns += [
    path("tickets/", tickets.TicketListView.as_view(), name="ticket_list"),
    path("tickets/export.xlsx", exports.ticket_export, name="ticket_export"),
    path("tickets/<int:pk>/", tickets.TicketDetailView.as_view(), name="ticket_detail"),
    path("tickets/<int:pk>/assign/", tickets.TicketAssignView.as_view(), name="ticket_assign"),
    path("tickets/<int:pk>/submit/", tickets.TicketSubmitView.as_view(), name="ticket_submit"),
    path("tickets/<int:pk>/verify/", tickets.TicketVerifyView.as_view(), name="ticket_verify"),
    path("tickets/<int:pk>/escalate/", tickets.TicketEscalateView.as_view(), name="ticket_escalate"),
    path("tickets/<int:pk>/reopen/", tickets.TicketReopenView.as_view(), name="ticket_reopen"),
    path("tickets/<int:pk>/comment/", tickets.TicketCommentView.as_view(), name="ticket_comment"),
    path("tickets/<int:pk>/notice/", tickets.TicketNoticeView.as_view(), name="ticket_notice"),
    path("hazards/", hazards.HazardListView.as_view(), name="hazard_list"),
    path("hazards/export.xlsx", exports.hazard_export, name="hazard_export"),
    path("hazards/<int:pk>/", hazards.HazardDetailView.as_view(), name="hazard_detail"),
    path("hazards/<int:pk>/duplicate/", hazards.HazardDuplicateView.as_view(), name="hazard_duplicate"),
    path("hazards/<int:pk>/invalid/", hazards.HazardInvalidView.as_view(), name="hazard_invalid"),
    path("desk/", desk.DeskView.as_view(), name="desk"),
    path("desk/aggregate/", desk.DeskAggregateView.as_view(), name="desk_aggregate"),
    path("desk/pending/", desk.DeskPendingView.as_view(), name="desk_pending"),
    path("desk/assign/", desk.DeskBulkAssignView.as_view(), name="desk_bulk_assign"),
    path("export/parcels.xlsx", exports.parcel_export, name="parcel_export"),
    path("export/enterprises.xlsx", exports.enterprise_export, name="enterprise_export"),
]

# --- the daily briefing archive (inspections.report_views) ---------------------------------------
from . import report_views  # noqa: E402

urlpatterns += [
    path("reports/", report_views.ReportListView.as_view(), name="report_list"),
    path("reports/<str:date>/", report_views.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<str:date>/export.xlsx", report_views.report_export, name="report_export"),
]

# --- the leader's dashboard and the red/green map (inspections.views.dashboard) -------------------
from .views import dashboard  # noqa: E402

urlpatterns += [
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("dashboard/data/", dashboard.DashboardDataView.as_view(), name="dashboard_data"),
    path("map/", dashboard.MapView.as_view(), name="map"),
    path("map/parcels/", dashboard.MapDataView.as_view(), name="map_data"),
]

# --- the field pages: inspector's phone flow, enterprise and landlord (inspections.views.field) ---
from .views import field  # noqa: E402

urlpatterns += [
    path("field/units/", field.InspectorUnitsView.as_view(), name="inspector_units"),
    path("field/<str:unit>/<int:pk>/inspect/", field.InspectionCreateView.as_view(), name="inspection_create"),
    path("field/report/", field.HazardReportView.as_view(), name="hazard_report"),
    path("field/verify/", field.VerifyQueueView.as_view(), name="verify_queue"),
    path("field/crosschecks/", field.CrossCheckListView.as_view(), name="crosscheck_list"),
    path("field/crosschecks/<int:pk>/", field.CrossCheckRecordView.as_view(), name="crosscheck_record"),
    path("field/my-tickets/", field.PartyTicketsView.as_view(), name="my_tickets"),
    path("field/self-check/", field.SelfCheckView.as_view(), name="self_check"),
]
