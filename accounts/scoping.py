"""The one place that turns a user into what they may see.

Every model that can be scoped declares ``scope_paths``: how to reach its zone,
grid, enterprise and parcel from the model: a field path, a callable taking the
allowed ids (a list or a subquery) and returning a Q, or None where the relation
does not exist. ``restrict(queryset, user)`` builds the filter from the
user's role; each model's QuerySet exposes it as ``visible_to(user)``, and every
page, export, API view and report calls that. Nothing else decides visibility.
"""

from django.db.models import Q

from .choices import Role


def _inspector_crosscheck_parcels(user):
    from inspections.models import CrossCheck

    return CrossCheck.objects.filter(inspector=user).values("parcel_id")


def _landlord_parcels(user):
    from enterprises.models import Parcel

    return Parcel.objects.filter(Q(landlord_user=user) | Q(users=user)).values("id")


def _enterprise_ids(user):
    return user.enterprises.through.objects.filter(user_id=user.pk).values("enterprise_id")


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
            q |= path_in("parcel", _inspector_crosscheck_parcels(user))
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
    """Staff with a role (a zone's manager, say) see only their scope in admin too; superusers see all."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)
