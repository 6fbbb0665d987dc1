from django.urls import path

from cases import exports
from cases.views import desk, field, hazards, notice, offline, party, tickets, units

app_name = "cases"

urlpatterns = [
    # tickets, hazards, the manager's desk, the ledgers
    path("cases/tickets/", tickets.TicketListView.as_view(), name="ticket_list"),
    path("cases/tickets/export.xlsx", exports.ticket_export, name="ticket_export"),
    path("cases/tickets/<int:pk>/", tickets.TicketDetailView.as_view(), name="ticket_detail"),
    path("cases/tickets/<int:pk>/assign/", tickets.TicketAssignView.as_view(), name="ticket_assign"),
    path("cases/tickets/<int:pk>/submit/", tickets.TicketSubmitView.as_view(), name="ticket_submit"),
    path(
        "cases/tickets/<int:pk>/submit-on-behalf/",
        tickets.TicketSubmitOnBehalfView.as_view(),
        name="ticket_submit_on_behalf",
    ),
    path("cases/tickets/<int:pk>/verify/", tickets.TicketVerifyView.as_view(), name="ticket_verify"),
    path("cases/tickets/<int:pk>/escalate/", tickets.TicketEscalateView.as_view(), name="ticket_escalate"),
    path("cases/tickets/<int:pk>/reopen/", tickets.TicketReopenView.as_view(), name="ticket_reopen"),
    path("cases/tickets/<int:pk>/comment/", tickets.TicketCommentView.as_view(), name="ticket_comment"),
    path("cases/tickets/<int:pk>/extension/", tickets.TicketExtensionView.as_view(), name="ticket_extension"),
    path(
        "cases/tickets/<int:pk>/extension/decide/",
        tickets.TicketExtensionDecideView.as_view(),
        name="ticket_extension_decide",
    ),
    path("cases/tickets/<int:pk>/reassign/", tickets.TicketReassignView.as_view(), name="ticket_reassign"),
    path("cases/tickets/<int:pk>/party/", tickets.TicketChangePartyView.as_view(), name="ticket_change_party"),
    path("cases/tickets/<int:pk>/closeout/", tickets.TicketCloseoutView.as_view(), name="ticket_closeout"),
    path("cases/tickets/<int:pk>/assessment/", tickets.TicketAssessmentView.as_view(), name="ticket_assessment"),
    path("cases/tickets/<int:pk>/notice/", notice.TicketNoticeView.as_view(), name="ticket_notice"),
    path("cases/hazards/", hazards.HazardListView.as_view(), name="hazard_list"),
    path("cases/hazards/export.xlsx", exports.hazard_export, name="hazard_export"),
    path("cases/hazards/<int:pk>/", hazards.HazardDetailView.as_view(), name="hazard_detail"),
    path("cases/hazards/<int:pk>/duplicate/", hazards.HazardDuplicateView.as_view(), name="hazard_duplicate"),
    path("cases/hazards/<int:pk>/invalid/", hazards.HazardInvalidView.as_view(), name="hazard_invalid"),
    path("cases/hazards/<int:pk>/restore/", hazards.HazardRestoreView.as_view(), name="hazard_restore"),
    path("cases/desk/", desk.DeskView.as_view(), name="desk"),
    path("cases/desk/aggregate/", desk.DeskAggregateView.as_view(), name="desk_aggregate"),
    path("cases/desk/pending/", desk.DeskPendingView.as_view(), name="desk_pending"),
    path("cases/desk/assign/", desk.DeskBulkAssignView.as_view(), name="desk_bulk_assign"),
    # the field pages: the inspector's phone flow, enterprise and landlord
    path("cases/field/units/", field.InspectorUnitsView.as_view(), name="inspector_units"),
    path("cases/field/<str:unit>/<int:pk>/inspect/", field.InspectionCreateView.as_view(), name="inspection_create"),
    path("cases/field/report/", field.HazardReportView.as_view(), name="hazard_report"),
    path("cases/field/verify/", field.VerifyQueueView.as_view(), name="verify_queue"),
    # the field app offline (cases.views.offline): service worker and manifest at the site's root
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("cases/field/offline/pages.json", offline.OfflinePagesView.as_view(), name="offline_pages"),
    path("cases/field/outbox/", offline.OutboxView.as_view(), name="outbox"),
    path("cases/field/offline/", offline.OfflineFallbackView.as_view(), name="offline"),
    path("cases/field/my-tickets/", party.PartyTicketsView.as_view(), name="my_tickets"),
    path("cases/field/self-check/", party.SelfCheckView.as_view(), name="self_check"),
    path("register/parcels/", units.ParcelListView.as_view(), name="parcel_list"),
    path("register/enterprises/", units.EnterpriseListView.as_view(), name="enterprise_list"),
    # a unit's page: its register entry with its inspections, hazards and tickets
    path("register/parcels/<int:pk>/", units.ParcelDetailView.as_view(), name="parcel_detail"),
    path("register/enterprises/<int:pk>/", units.EnterpriseDetailView.as_view(), name="enterprise_detail"),
]
