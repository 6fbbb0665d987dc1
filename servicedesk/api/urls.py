from django.urls import path
from rest_framework.routers import SimpleRouter

from servicedesk.api import views

router = SimpleRouter()
router.register("service-requests", views.ServiceRequestViewSet, basename="service-request")

urlpatterns = [
    path(
        "service-requests/<int:pk>/events/", views.ServiceRequestEventListView.as_view(), name="service-request-events"
    ),
    *router.urls,
]
