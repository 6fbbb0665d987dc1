from django.views.generic import TemplateView


class RiskPointListView(TemplateView):
    pass


class RiskPointExportView(TemplateView):
    pass


class RiskPointDetailView(TemplateView):
    pass


class RiskPointCreateView(TemplateView):
    pass


class RiskPointEditView(TemplateView):
    pass


class RiskPointReviewView(TemplateView):
    pass


class RiskPointRetireView(TemplateView):
    pass
