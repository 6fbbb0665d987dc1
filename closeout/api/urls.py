from django.urls import path
from rest_framework.routers import SimpleRouter

from closeout.api import views

router = SimpleRouter()
router.register("crosschecks", views.CrossCheckViewSet, basename="crosscheck")

urlpatterns = [
    path("parcels/<int:pk>/crosscheck/", views.ParcelCrossCheckView.as_view(), name="parcel-crosscheck"),
    *router.urls,
]
