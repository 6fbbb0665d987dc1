from django.urls import path
from rest_framework.routers import SimpleRouter

from cases.api import views

router = SimpleRouter()
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("hazards", views.HazardViewSet, basename="hazard")
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("photos", views.PhotoViewSet, basename="photo")

urlpatterns = [
    path("hazards/<int:pk>/photos/", views.HazardPhotoListView.as_view(), name="hazard-photos"),
    path("hazards/<int:pk>/events/", views.HazardEventListView.as_view(), name="hazard-events"),
    path("tickets/<int:pk>/events/", views.TicketEventListView.as_view(), name="ticket-events"),
    *router.urls,
]
