from django.urls import path

from risk.views import patrols, plates, points

app_name = "risk"

urlpatterns = [
    # the plate (挂牌): what its QR code opens; a check-in for an inspector, the unit's colours for anyone
    path("p/<str:token>/", plates.PlateView.as_view(), name="plate"),
    path("p/<str:token>/checkin/", plates.PlateCheckInView.as_view(), name="plate_checkin"),
    path("risk/plates/", plates.PlatePrintView.as_view(), name="plates"),
    # risk points (风险点) and the risk list (风险清单)
    path("risk/points/", points.RiskPointListView.as_view(), name="point_list"),
    path("risk/points/export.xlsx", points.RiskPointExportView.as_view(), name="point_export"),
    path("risk/points/<int:pk>/", points.RiskPointDetailView.as_view(), name="point_detail"),
    path("risk/points/<int:pk>/edit/", points.RiskPointEditView.as_view(), name="point_edit"),
    path("risk/points/<int:pk>/review/", points.RiskPointReviewView.as_view(), name="point_review"),
    path("risk/points/<int:pk>/retire/", points.RiskPointRetireView.as_view(), name="point_retire"),
    path("risk/<str:unit>/<int:pk>/points/new/", points.RiskPointCreateView.as_view(), name="point_create"),
    # patrols (巡查): today's patrol, coverage, the plan
    path("risk/patrol/", patrols.PatrolView.as_view(), name="patrol"),
    path("risk/coverage/", patrols.CoverageView.as_view(), name="coverage"),
    path("risk/plan/", patrols.PatrolPlanView.as_view(), name="plan"),
]
