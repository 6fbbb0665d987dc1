from rest_framework.routers import SimpleRouter

from ledgers.api import letters, views

router = SimpleRouter()
# Each module lists its (prefix, viewset, basename) routes.
for prefix, viewset, basename in (*views.ROUTES, *letters.ROUTES):
    router.register(prefix, viewset, basename=basename)

# letters
urlpatterns = [*router.urls]
