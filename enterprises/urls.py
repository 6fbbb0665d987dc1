from django.urls import path

from . import views

app_name = "enterprises"

urlpatterns = [
    path("parcels/", views.ParcelListView.as_view(), name="parcel_list"),
    path("parcels/<int:pk>/", views.ParcelDetailView.as_view(), name="parcel_detail"),
    path("enterprises/", views.EnterpriseListView.as_view(), name="enterprise_list"),
    path("enterprises/<int:pk>/", views.EnterpriseDetailView.as_view(), name="enterprise_detail"),
    path("import/", views.RegisterImportView.as_view(), name="import"),
    path("import/<str:token>/", views.ImportPreviewView.as_view(), name="import_preview"),
    path("import/<str:token>/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path("import/<str:token>/cancel/", views.ImportCancelView.as_view(), name="import_cancel"),
    path("closeout/", views.CloseoutDeskView.as_view(), name="closeout_desk"),
    path("closeout/<int:pk>/request/", views.CloseoutRequestView.as_view(), name="closeout_request"),
]
