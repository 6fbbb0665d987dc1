from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Prefetch
from django.views.generic import DetailView

from cases.models import Photo, Ticket
from core.qr import qr_svg

# --- the printable notice ---------------------------------------------------------------------


class TicketNoticeView(LoginRequiredMixin, DetailView):
    """整改通知书: one A4 page per ticket, with a QR code that opens the case."""

    template_name = "cases/notice.html"
    context_object_name = "ticket"

    def get_queryset(self):
        return Ticket.objects.visible_to(self.request.user).select_related(
            "enterprise", "parcel", "grid__zone", "zone", "assignee", "created_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ticket = self.object
        hazards = list(
            ticket.hazards.select_related("category", "reporter")
            .prefetch_related(Prefetch("photos", queryset=Photo.objects.shown_to(self.request.user).order_by("pk")))
            .order_by("pk")
        )
        url = settings.SITE_URL + ticket.get_absolute_url()
        context.update(
            hazards=hazards,
            photos=[photo for hazard in hazards for photo in hazard.photos.all()][:6],
            case_url=url,
            qr=qr_svg(url),
            legal_bases=sorted({h.category.legal_basis for h in hazards if h.category.legal_basis}),
        )
        return context
