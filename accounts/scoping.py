"""The one place that turns a user into what they may see.

Every model that can be scoped declares ``scope_paths``: how to reach its zone,
grid, enterprise and parcel from the model: a field path, a callable taking the
allowed ids (a list or a subquery) and returning a Q, or None where the relation
does not exist. ``restrict(queryset, user)`` builds the filter from the
user's role; each model's QuerySet exposes it as ``visible_to(user)``, and every
page, export, API view and report calls that. Nothing else decides visibility.

Scope fails closed: an inactive or anonymous user, a user without a role, and a
manager or leader with no zones (unless marked as seeing the whole area) see nothing.
Only superusers see everything without a scope.
"""

from django.db.models import Q

from accounts.choices import Role

UNIT_SCOPE_PATHS = {"zone": "zone_id", "grid": "grid_id", "enterprise": "enterprise_id", "parcel": "parcel_id"}


def through(*relations):
    """Scope paths reached through one of several relations (e.g. an event's ticket or hazard)."""

    def make(key):
        def q(ids):
            result = Q(pk__in=[])
            for relation in relations:
                result |= Q(**{f"{relation}__{UNIT_SCOPE_PATHS[key]}__in": ids})
            return result

        return q

    return {key: make(key) for key in UNIT_SCOPE_PATHS}


def crosscheck_parcels(user):
    """Parcels an inspector is sent to cross-check: only while the cross-check is open."""
    return user.crosschecks.filter(status="requested").values("parcel_id")


def _enterprise_ids(user):
    return user.enterprises.through.objects.filter(user_id=user.pk).values("enterprise_id")


def _landlord_parcels(user):
    """A landlord's parcels, owned (``landlord_user``) or linked to the account, as one subquery."""
    parcel_model = user.owned_parcels.model
    return parcel_model.objects.filter(Q(landlord_user=user) | Q(users=user)).values("id")


def scope_q(model, user):
    """A Q object selecting the rows of ``model`` that ``user`` may see (None: all)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.sees_everything:
        return None
    paths = model.scope_paths
    role = user.role

    def path_in(key, values):
        path = paths.get(key)
        if path is None:
            return Q(pk__in=[])
        if callable(path):
            return path(values)
        return Q(**{f"{path}__in": values})

    if role in (Role.MANAGER, Role.LEADER):
        return path_in("zone", list(user.scope_zone_ids))
    if role == Role.INSPECTOR:
        q = path_in("grid", list(user.scope_grid_ids))
        if paths.get("parcel") is not None:
            q |= path_in("parcel", crosscheck_parcels(user))
        if paths.get("assigned_inspector") is not None:
            q |= Q(**{paths["assigned_inspector"]: user.pk})
        return q
    if role == Role.ENTERPRISE:
        return path_in("enterprise", _enterprise_ids(user))
    if role == Role.LANDLORD:
        return path_in("parcel", _landlord_parcels(user))
    return Q(pk__in=[])


def restrict(queryset, user):
    q = scope_q(queryset.model, user)
    return queryset if q is None else queryset.filter(q)


class ScopedQuerySet:
    """Mixin for QuerySets of scoped models."""

    def visible_to(self, user):
        return restrict(self, user)


class ScopedAdminMixin:
    """Staff see only their scope in admin too; superusers see all."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)
