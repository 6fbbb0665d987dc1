from django.urls import path

from risk import views

app_name = "risk"

urlpatterns = [
    # the plate (挂牌): what its QR code opens; a check-in for an inspector, the unit's colours for anyone
    path("p/<str:token>/", views.PlateView.as_view(), name="plate"),
]
