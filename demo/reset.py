"""Whether the database already holds business data, and how ``--reset`` empties it."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q

from cases.models import Hazard, Inspection, Photo, Ticket
from demo.common import DEMO_USERS
from register.models import Enterprise, Grid, Parcel, Zone


def business_data_exists():
    return any(model.objects.exists() for model in (Zone, Grid, Parcel, Enterprise, Inspection, Hazard, Ticket))


KEEP_MODELS = {
    "catalogue.hazardcategory",
    "catalogue.checklist",
    "catalogue.checklistitem",
    "register.risktagoption",
    "ledgers.lettertemplate",
    "servicedesk.servicecategory",
}


BUSINESS_APPS = (
    "core", "register", "catalogue", "timeline", "ledgers", "cases", "closeout", "risk", "servicedesk", "briefing",
)  # fmt: skip


def _business_models():
    """Every concrete model of the register and case apps except the shipped catalogue."""
    out = []
    for label in BUSINESS_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.label_lower in KEEP_MODELS or model._meta.proxy or not model._meta.managed:
                continue
            if model._meta.auto_created:
                # an M2M table: keep it only when both ends are kept (e.g. none today)
                ends = {f.related_model._meta.label_lower for f in model._meta.fields if f.is_relation}
                if ends <= KEEP_MODELS:
                    continue
            out.append(model)
    return out


def reset_business_data():
    """Delete the register, the cases and every account except superusers (demo-admin included).

    Events are append-only through the ORM (``Event.delete`` refuses), so tables are emptied with
    plain ``DELETE`` statements inside the caller's transaction; foreign keys are checked at commit
    (both SQLite and PostgreSQL create them deferrable), so the order does not matter. Photo files
    are removed from storage. The shipped catalogue (categories, checklists, risk tags) stays.
    """
    User = get_user_model()
    for photo in Photo.objects.only("image", "thumbnail").iterator():
        for fieldfile in (photo.image, photo.thumbnail):
            if fieldfile.name:
                fieldfile.storage.delete(fieldfile.name)
    models = _business_models()
    user_m2m = [
        f.remote_field.through for f in User._meta.many_to_many if f.related_model._meta.app_label in BUSINESS_APPS
    ]
    with connection.cursor() as cursor:
        for model in user_m2m + models:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    doomed = User.objects.filter(Q(is_superuser=False) | Q(username__in=[u[0] for u in DEMO_USERS]))
    doomed.delete()
