"""Keep units' risk levels current: what changes an input of the rule (risk.levels) schedules the units it
touches, and one recompute of those units runs when the transaction commits.

Inputs and their signals: a risk point saved (RiskPoint), an enterprise saved or its tags changed
(Enterprise, its ``risk_tags``), a case event written (timeline.Event: a hazard reported, marked,
restored or fixed; a ticket created, closed, reopened, its deadline moved). A deadline passing writes
no event: the nightly job (risk.tasks) recomputes the whole register. ``deferred()`` suspends this
for bulk loads (the demo) that recompute once at the end.
"""

import threading
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from cases.models import Hazard, Ticket
from register.models import Enterprise, Parcel
from risk.levels import recompute
from risk.models import RiskPoint
from timeline.models import Event

_local = threading.local()


def _pending():
    state = getattr(_local, "pending", None)
    if state is None:
        state = _local.pending = {"enterprises": set(), "parcels": set(), "hazards": set(), "tickets": set()}
    return state


def schedule(*, enterprises=(), parcels=(), hazards=(), tickets=()):
    """Recompute these units (and the units of these hazards and tickets) when the transaction commits."""
    if getattr(_local, "deferred", 0):
        return
    state = _pending()
    state["enterprises"].update(pk for pk in enterprises if pk)
    state["parcels"].update(pk for pk in parcels if pk)
    state["hazards"].update(pk for pk in hazards if pk)
    state["tickets"].update(pk for pk in tickets if pk)
    # Registered every time: the first callback to run takes everything pending (one left by a rolled-back
    # transaction included), the others find nothing.
    transaction.on_commit(flush)


def flush():
    state = getattr(_local, "pending", None)
    _local.pending = None
    if not state or not any(state.values()):
        return
    enterprises, parcels = set(state["enterprises"]), set(state["parcels"])
    for model, ids in ((Hazard, state["hazards"]), (Ticket, state["tickets"])):
        if ids:
            for enterprise_id, parcel_id in model.objects.filter(pk__in=ids).values_list("enterprise_id", "parcel_id"):
                enterprises.add(enterprise_id)
                parcels.add(parcel_id)
    recompute(enterprises=[pk for pk in enterprises if pk], parcels=[pk for pk in parcels if pk])


@contextmanager
def deferred():
    """Do not keep levels current inside this block (a bulk load); call ``recompute()`` after it."""
    _local.deferred = getattr(_local, "deferred", 0) + 1
    try:
        yield
    finally:
        _local.deferred -= 1


@receiver(post_save, sender=Event, dispatch_uid="risk.event")
def _event_written(sender, instance, created, raw=False, **kwargs):
    if created and not raw and (instance.hazard_id or instance.ticket_id):
        schedule(hazards=[instance.hazard_id], tickets=[instance.ticket_id])


@receiver(post_save, sender=RiskPoint, dispatch_uid="risk.point")
def _point_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule(enterprises=[instance.enterprise_id], parcels=[instance.parcel_id])


@receiver(post_save, sender=Enterprise, dispatch_uid="risk.enterprise")
def _enterprise_saved(sender, instance, raw=False, **kwargs):
    # Its parcel may have changed: the old one is recomputed by the nightly job at the latest.
    if not raw:
        schedule(enterprises=[instance.pk], parcels=[instance.parcel_id])


@receiver(post_save, sender=Parcel, dispatch_uid="risk.parcel")
def _parcel_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        schedule(parcels=[instance.pk])


@receiver(m2m_changed, sender=Enterprise.risk_tags.through, dispatch_uid="risk.tags")
def _tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # a tag's enterprises changed
        schedule(enterprises=pk_set or ())
    else:
        schedule(enterprises=[instance.pk], parcels=[instance.parcel_id])
