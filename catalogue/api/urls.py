from rest_framework.routers import SimpleRouter

from catalogue.api import views

router = SimpleRouter()
router.register("categories", views.HazardCategoryViewSet, basename="category")
router.register("checklists", views.ChecklistViewSet, basename="checklist")
router.register("campaigns", views.CampaignViewSet, basename="campaign")

urlpatterns = router.urls
