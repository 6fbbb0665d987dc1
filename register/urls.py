from django.urls import path

from register import exports, views

app_name = "register"

urlpatterns = [
    path("import/", views.RegisterImportView.as_view(), name="import"),
    path("import/<str:token>/", views.ImportPreviewView.as_view(), name="import_preview"),
    path("import/<str:token>/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path("import/<str:token>/cancel/", views.ImportCancelView.as_view(), name="import_cancel"),
    path("export/parcels.xlsx", exports.parcel_export, name="parcel_export"),
    path("export/enterprises.xlsx", exports.enterprise_export, name="enterprise_export"),
]
