from rest_framework.routers import SimpleRouter

from risk.api import patrols, points

router = SimpleRouter()
# Each module lists its (prefix, viewset, basename) routes; ``PATHS`` its plain views (path() entries).
for prefix, viewset, basename in (*points.ROUTES, *patrols.ROUTES):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [*points.PATHS, *patrols.PATHS, *router.urls]
