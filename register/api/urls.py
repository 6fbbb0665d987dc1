from rest_framework.routers import SimpleRouter

from register.api import views

router = SimpleRouter()
router.register("zones", views.ZoneViewSet, basename="zone")
router.register("grids", views.GridViewSet, basename="grid")
router.register("parcels", views.ParcelViewSet, basename="parcel")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")

urlpatterns = router.urls
