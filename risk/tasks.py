"""The nightly recomputation of every unit's risk level: a deadline passing writes no event."""

from celery import shared_task

from risk.levels import recompute


@shared_task(name="risk.tasks.recompute_risk_levels_task")
def recompute_risk_levels_task():
    enterprises, parcels = recompute()
    return {"enterprises": enterprises, "parcels": parcels}
