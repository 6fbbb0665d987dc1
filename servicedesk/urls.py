from django.urls import path

from servicedesk import exports
from servicedesk.views import requests as views

app_name = "servicedesk"

urlpatterns = [
    path("service-requests/", views.ServiceRequestListView.as_view(), name="request_list"),
    path("service-requests/new/", views.ServiceRequestCreateView.as_view(), name="request_create"),
    path("service-requests/export.xlsx", exports.request_export, name="request_export"),
    path("service-requests/<int:pk>/", views.ServiceRequestDetailView.as_view(), name="request_detail"),
    path("service-requests/<int:pk>/dispatch/", views.DispatchView.as_view(), name="request_dispatch"),
    path("service-requests/<int:pk>/answer/", views.AnswerView.as_view(), name="request_answer"),
    path("service-requests/<int:pk>/confirm/", views.ConfirmView.as_view(), name="request_confirm"),
    path("service-requests/<int:pk>/reopen/", views.ReopenView.as_view(), name="request_reopen"),
    path("service-requests/<int:pk>/escalate/", views.EscalateView.as_view(), name="request_escalate"),
]
