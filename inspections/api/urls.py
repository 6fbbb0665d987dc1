from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("categories", views.HazardCategoryViewSet, basename="category")
router.register("checklists", views.ChecklistViewSet, basename="checklist")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("hazards", views.HazardViewSet, basename="hazard")
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("photos", views.PhotoViewSet, basename="photo")

urlpatterns = [
    path("hazards/<int:pk>/photos/", views.HazardPhotoListView.as_view(), name="hazard-photos"),
    path("hazards/<int:pk>/events/", views.HazardEventListView.as_view(), name="hazard-events"),
    path("tickets/<int:pk>/events/", views.TicketEventListView.as_view(), name="ticket-events"),
    path("reports/daily/<str:date>/", views.DailyReportView.as_view(), name="daily-report"),
    *router.urls,
]
