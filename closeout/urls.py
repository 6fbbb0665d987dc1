from django.urls import path

from closeout.views import crosschecks, desk, map

app_name = "closeout"

urlpatterns = [
    path("register/closeout/", desk.CloseoutDeskView.as_view(), name="closeout_desk"),
    path("register/closeout/<int:pk>/request/", desk.CloseoutRequestView.as_view(), name="closeout_request"),
    path(
        "register/closeout/crosschecks/<int:pk>/cancel/", desk.CrossCheckCancelView.as_view(), name="crosscheck_cancel"
    ),
    path("cases/field/crosschecks/", crosschecks.CrossCheckListView.as_view(), name="crosscheck_list"),
    path("cases/field/crosschecks/<int:pk>/", crosschecks.CrossCheckRecordView.as_view(), name="crosscheck_record"),
    path("cases/map/", map.MapView.as_view(), name="map"),
    path("cases/map/parcels/", map.MapDataView.as_view(), name="map_data"),
]
