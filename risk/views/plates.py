from django.http import Http404
from django.views import View


class PlateView(View):
    def get(self, request, token):
        raise Http404


class PlateCheckInView(View):
    pass


class PlatePrintView(View):
    pass
