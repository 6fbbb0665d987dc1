"""Whether the database already holds business data, and how ``--reset`` empties it."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from cases.models import Hazard, Inspection, Photo, Ticket
from demo.common import DEMO_USERS
from demo.models import DemoStamp
from register.models import Enterprise, Grid, Parcel, Zone


def business_data_exists():
    return any(model.objects.exists() for model in (Zone, Grid, Parcel, Enterprise, Inspection, Hazard, Ticket))


def _stamped():
    """The register rows and accounts the demo creates: (label, queryset); superusers are kept by a reset."""
    User = get_user_model()
    return (
        (_("账号"), User.objects.filter(is_superuser=False)),
        (_("区块"), Zone.objects.all()),
        (_("网格"), Grid.objects.all()),
        (_("宗地"), Parcel.objects.all()),
        (_("企业"), Enterprise.objects.all()),
    )


def stamp_demo(scale):
    """Remember what the demo just built (called at the end of build_demo, in its transaction)."""
    DemoStamp.objects.all().delete()
    max_ids = {qs.model._meta.label_lower: qs.aggregate(m=Max("pk"))["m"] or 0 for _label, qs in _stamped()}
    DemoStamp.objects.create(scale=scale, max_ids=max_ids)


def real_data():
    """What the database holds that ``seed_demo`` did not create: ["账号 3", "企业 12"] (empty: none).

    A row is the demo's when a demo build recorded ids up to it (DemoStamp); without a stamp every
    account (other than superusers) and every unit counts as real data. Cases follow their units: a
    database whose accounts and units are all the demo's is a demo, whatever was reported in it.
    """
    stamp = DemoStamp.objects.order_by("-pk").first()
    max_ids = stamp.max_ids if stamp else {}
    found = []
    for label, queryset in _stamped():
        count = queryset.filter(pk__gt=max_ids.get(queryset.model._meta.label_lower, 0)).count()
        if count:
            found.append(f"{label} {count}")
    return found


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


def _ledger_tables(models):
    """On PostgreSQL, the timeline's tables and every business table that refers to them, emptied with one
    TRUNCATE: the ledger's triggers refuse DELETE on events and anchors (timeline migration 0004), and
    TRUNCATE fires no row trigger (it needs the TRUNCATE grant: the migration owner's, not the app's role).
    Elsewhere nothing: SQLite has no such triggers."""
    if connection.vendor != "postgresql":
        return []
    chosen = [model for model in models if model._meta.app_label == "timeline"]
    grew = True
    while grew:
        grew = False
        for model in models:
            if model not in chosen and any(
                field.is_relation and field.concrete and field.related_model in chosen for field in model._meta.fields
            ):
                chosen.append(model)
                grew = True
    return chosen


def reset_business_data():
    """Delete the register, the cases and every account except superusers (demo-admin included).

    Events are append-only through the ORM (``Event.delete`` refuses) and, on PostgreSQL, in the database
    (triggers refuse DELETE): the ledger's tables are emptied with TRUNCATE (``_ledger_tables``), the
    others with plain ``DELETE`` statements inside the caller's transaction; foreign keys are checked at commit
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
    truncated = _ledger_tables(models)
    with connection.cursor() as cursor:
        if truncated:
            # PostgreSQL refuses TRUNCATE on a table with pending deferred checks (rows written earlier in
            # this transaction): run them now, then defer the foreign keys again for the DELETEs below.
            names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in truncated)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {names}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for model in user_m2m + models:
            if model not in truncated:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    doomed = User.objects.filter(Q(is_superuser=False) | Q(username__in=[u[0] for u in DEMO_USERS]))
    doomed.delete()
