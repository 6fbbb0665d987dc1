"""The one place that turns a user into what they may see.

Every model that can be scoped declares ``scope_paths``: how to reach its zone,
grid, enterprise and parcel from the model: a field path, a callable taking the
allowed ids (a list or a subquery) and returning a Q, or None where the relation
does not exist. ``restrict(queryset, user)`` builds the filter from the
user's role; each model's QuerySet exposes it as ``visible_to(user)``, and every
page, export, API view and report calls that. Nothing else decides visibility.

Scope fails closed: an inactive or anonymous user, a user without a role (staff
status included), and a manager or leader with no zones see nothing. Only active
superusers, and managers and leaders marked ``whole_area``, see everything
(``User.sees_everything``).
"""

import functools

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


def _role_terms(user):
    """What a role's scope is made of: ``[(scope key, allowed ids)]``, the ids a list or a subquery."""
    role = user.role
    if role in (Role.MANAGER, Role.LEADER):
        return [("zone", list(user.scope_zone_ids))]
    if role == Role.INSPECTOR:
        return [
            ("grid", list(user.scope_grid_ids)),
            ("parcel", crosscheck_parcels(user)),
            ("assigned_inspector", [user.pk]),
        ]
    if role == Role.ENTERPRISE:
        return [("enterprise", _enterprise_ids(user))]
    if role == Role.LANDLORD:
        return [("parcel", _landlord_parcels(user))]
    if role == Role.DEPARTMENT:
        # Only what names a department (an enterprise service request dispatched to it); nothing else.
        return [("department", [user.department_id] if user.department_id else [])]
    return []


def _sees_all(user):
    """None: ``user`` sees every row; False: nothing (anonymous, inactive); True: a scope applies."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return None if user.sees_everything else True


def scope_q(model, user):
    """A Q object selecting the rows of ``model`` that ``user`` may see (None: all)."""
    scoped = _sees_all(user)
    if scoped is None:
        return None
    q = Q(pk__in=[])
    if not scoped:
        return q
    paths = model.scope_paths
    for key, ids in _role_terms(user):
        path = paths.get(key)
        if path is not None:
            q |= path(ids) if callable(path) else Q(**{f"{path}__in": ids})
    return q


def scope_is_zones(user):
    """Whether ``user`` sees whole zones (managers and leaders) or everything: a scope that a table kept per zone
    (``scope_paths`` with ``zone`` alone) answers exactly. Others (inspectors, enterprises, landlords) see less."""
    scoped = _sees_all(user)
    return scoped is None or (scoped and user.role in (Role.MANAGER, Role.LEADER))


def visible_row(model, user, **values):
    """Whether a row of ``model`` with these column values, not (yet) stored, would be in
    ``visible_to(user)``: the same terms as scope_q, read in memory. Only plain column paths
    (``zone_id``…) with listed ids are read; any other term counts as not visible (fails closed)."""
    scoped = _sees_all(user)
    if scoped is None:
        return True
    if not scoped:
        return False
    for key, ids in _role_terms(user):
        path = model.scope_paths.get(key)
        if isinstance(path, str) and isinstance(ids, list) and path in values and values[path] in ids:
            return True
    return False


def restrict(queryset, user):
    q = scope_q(queryset.model, user)
    return queryset if q is None else queryset.filter(q)


class ScopedQuerySet:
    """Mixin for QuerySets of scoped models."""

    def visible_to(self, user):
        return restrict(self, user)


def _scoped_relation(model, path):
    """The model a list filter's path ends at, when that model is scoped (else None)."""
    from django.contrib.admin.utils import get_fields_from_path
    from django.core.exceptions import FieldDoesNotExist

    try:
        field = get_fields_from_path(model, path)[-1]
    except (FieldDoesNotExist, LookupError, AttributeError):
        return None
    related = getattr(field, "related_model", None)
    return related if related is not None and hasattr(related, "scope_paths") else None


@functools.cache
def scoped_related_filter():
    """A related-field list filter whose choices are only the rows the staff user may see."""
    from django.contrib.admin.filters import RelatedFieldListFilter

    class ScopedRelatedFieldListFilter(RelatedFieldListFilter):
        def field_choices(self, field, request, model_admin):
            ordering = self.field_admin_ordering(field, request, model_admin)
            q = scope_q(field.related_model, request.user)
            return field.get_choices(include_blank=False, ordering=ordering, limit_choices_to=q or {})

    return ScopedRelatedFieldListFilter


class ScopedAdminMixin:
    """Staff see only their scope in admin too; superusers (and whole-area staff) see all.

    The rows of the list and of every change page, the choices of foreign keys and
    many-to-many fields (autocomplete included: it reads the related model's scoped admin,
    and the form accepts only the scoped rows) and the choices of related list filters.
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            return queryset.visible_to(request.user)
        return restrict(queryset, request.user)

    def _scope_choices(self, db_field, request, formfield):
        if formfield is not None and hasattr(db_field.related_model, "scope_paths"):
            formfield.queryset = restrict(formfield.queryset, request.user)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._scope_choices(db_field, request, super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._scope_choices(db_field, request, super().formfield_for_manytomany(db_field, request, **kwargs))

    def get_list_filter(self, request):
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and _scoped_relation(self.model, item) is not None:
                item = (item, scoped_related_filter())
            filters.append(item)
        return filters
