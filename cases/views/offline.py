"""The phone pages without signal: the installable app's service worker and manifest, the list of pages a
phone keeps for offline use, the outbox page and the page shown for a page that was not kept.

How it works (README, "The field app offline"): ``static/js/offline.js`` registers the service worker
(``/sw.js``, rendered from templates/offline/sw.js so its script addresses follow STATIC_URL) for the
field roles. Pages are answered from the network first and kept in the phone's cache only when the
server marks them as the user's field pages (``X-Offline-User``, added by ``cases.offline.OfflineHeadersMiddleware``), so
nothing of another user or role is kept. When the inspector's home opens online, the script reads
``offline_pages`` (the home, the units and patrol lists, each unit of their grids with its report and
checklist pages, the outbox) and keeps them. Forms marked ``data-offline`` (a hazard report, a
checklist inspection, a rectification) are written to the phone's outbox (IndexedDB) first and sent
with a client key (core.idempotency), now or when the network returns.
"""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.cache import never_cache

from accounts.choices import Role
from cases.choices import TicketStatus
from cases.field_forms import active_checklists, checklists_for
from cases.offline import offline_assets, offline_user
from cases.views.field import field_grids
from cases.views.party import party_ticket_queryset
from register.models import Enterprise, Parcel


@never_cache
def service_worker(request):
    response = render(request, "offline/sw.js", {"assets": offline_assets()})
    response["Content-Type"] = "text/javascript; charset=utf-8"
    response["Service-Worker-Allowed"] = "/"
    return response


def manifest(request):
    response = render(request, "offline/manifest.webmanifest", {})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


class OfflinePagesView(LoginRequiredMixin, View):
    """The pages the phone keeps for offline use: ``{"pages": [...], "assets": [...], "at": time}``."""

    def get(self, request):
        user = offline_user(request.user)
        pages = []
        if user is not None:
            pages = [reverse("home"), reverse("cases:outbox"), reverse("cases:offline")]
            if user.role == Role.INSPECTOR:
                pages += inspector_pages(user)
            else:
                pages += party_pages(user)
        pages = list(dict.fromkeys(pages))[: settings.OFFLINE_MAX_PAGES]
        return JsonResponse(
            {
                "pages": pages,
                "assets": offline_assets(),
                "at": timezone.now().isoformat(),
            }
        )


def inspector_pages(user):
    """Home lists, then each unit of the inspector's grids: its page, its report form, its checklists."""
    units_url = reverse("cases:inspector_units")
    pages = [units_url, f"{units_url}?kind=parcel", reverse("risk:patrol"), reverse("cases:hazard_report")]
    pages.append(reverse("cases:verify_queue"))
    grid_ids = [grid.pk for grid in field_grids(user)]
    checklists = active_checklists()
    enterprises = (
        Enterprise.objects.visible_to(user)
        .filter(grid_id__in=grid_ids, active=True)
        .prefetch_related("risk_tags")
        .order_by("name", "pk")
    )
    parcels = Parcel.objects.visible_to(user).filter(grid_id__in=grid_ids).order_by("code")
    for kind, units in (("enterprise", enterprises), ("parcel", parcels)):
        for unit in units:
            inspect_url = reverse("cases:inspection_create", args=[kind, unit.pk])
            pages += [unit.get_absolute_url(), f"{reverse('cases:hazard_report')}?{kind}={unit.pk}", inspect_url]
            recommended, _others = checklists_for(unit, checklists)
            pages += [f"{inspect_url}?checklist={checklist.pk}" for checklist in recommended]
    return pages


def party_pages(user):
    """An enterprise's or landlord's tickets to fix, with their submission forms."""
    tickets = party_ticket_queryset(user).filter(status=TicketStatus.ASSIGNED).order_by("deadline", "pk")
    return [reverse("cases:my_tickets"), *[t.get_absolute_url() for t in tickets]]


class OutboxView(LoginRequiredMixin, View):
    """待发送: what this phone keeps to send (drawn by offline.js from the phone's own store)."""

    def get(self, request):
        return render(request, "offline/outbox.html", {})


class OfflineFallbackView(LoginRequiredMixin, View):
    """Shown by the service worker for a page that was not kept on the phone."""

    def get(self, request):
        return render(request, "offline/not_kept.html", {})
