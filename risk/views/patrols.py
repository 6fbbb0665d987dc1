from django.views.generic import TemplateView


class PatrolView(TemplateView):
    pass


class CoverageView(TemplateView):
    pass


class PatrolPlanView(TemplateView):
    pass
