from django.urls import path

from ledgers.views import drills, letters, welding

app_name = "ledgers"

urlpatterns = [
    # training and drills (消防培训演练)
    path("ledgers/drills/", drills.DrillListView.as_view(), name="drill_list"),
    path("ledgers/drills/export.xlsx", drills.DrillExportView.as_view(), name="drill_export"),
    path("ledgers/drills/new/", drills.DrillCreateView.as_view(), name="drill_create"),
    path("ledgers/drills/<int:pk>/", drills.DrillDetailView.as_view(), name="drill_detail"),
    path("ledgers/drills/<int:pk>/edit/", drills.DrillEditView.as_view(), name="drill_edit"),
    path("ledgers/drills/<int:pk>/signin-sheet/", drills.DrillSigninSheetView.as_view(), name="drill_signin_sheet"),
    path("ledgers/drills/<int:pk>/photos/<int:photo>/", drills.DrillPhotoView.as_view(), name="drill_photo"),
    # "焊有序" welding-control devices
    path("ledgers/welding/", welding.WeldingDeviceListView.as_view(), name="welding_list"),
    path("ledgers/welding/export.xlsx", welding.WeldingDeviceExportView.as_view(), name="welding_export"),
    path("ledgers/welding/new/", welding.WeldingDeviceCreateView.as_view(), name="welding_create"),
    path("ledgers/welding/<int:pk>/edit/", welding.WeldingDeviceEditView.as_view(), name="welding_edit"),
    # letters
    path("ledgers/letters/", letters.LetterListView.as_view(), name="letter_list"),
    path("ledgers/letters/export.xlsx", letters.letter_export, name="letter_export"),
    path("ledgers/letters/coverage/", letters.LetterCoverageView.as_view(), name="letter_coverage"),
    path("ledgers/letters/missing.xlsx", letters.MissingExportView.as_view(), name="letter_missing_export"),
    path("ledgers/letters/<str:kind>/<int:pk>/", letters.LetterRecordView.as_view(), name="letter_record"),
    path("ledgers/letters/<int:pk>/scan/", letters.letter_scan, name="letter_scan"),
]
