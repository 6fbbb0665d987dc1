from django.urls import path

from register import exports, party_account_views, views

app_name = "register"

urlpatterns = [
    path("import/", views.RegisterImportView.as_view(), name="import"),
    path("import/<str:token>/", views.ImportPreviewView.as_view(), name="import_preview"),
    path("import/<str:token>/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path("import/<str:token>/cancel/", views.ImportCancelView.as_view(), name="import_cancel"),
    path("import/template.xlsx", exports.import_template, name="import_template"),
    path(
        "accounts/enterprises/",
        party_account_views.EnterpriseAccountListView.as_view(),
        name="party_accounts_enterprises",
    ),
    path("accounts/parcels/", party_account_views.ParcelAccountListView.as_view(), name="party_accounts_parcels"),
    path(
        "accounts/<str:kind>/create/",
        party_account_views.PartyAccountCreateView.as_view(),
        name="party_accounts_create",
    ),
    path("export/parcels.xlsx", exports.parcel_export, name="parcel_export"),
    path("export/enterprises.xlsx", exports.enterprise_export, name="enterprise_export"),
]
