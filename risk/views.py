"""The risk app's pages (filled in by the pages of risk points, patrols, plates and coverage)."""

from django.http import Http404
from django.views import View


class PlateView(View):
    def get(self, request, token):
        raise Http404
