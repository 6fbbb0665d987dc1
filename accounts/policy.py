"""Who may do what: the one place that answers "may this user do this action on this object".

Temporary home of the role predicates while the policy table is built (see accounts.policy).
"""

from accounts.choices import Role

STAFF_ROLES = (Role.INSPECTOR, Role.MANAGER, Role.LEADER)
PARTY_ROLES = (Role.ENTERPRISE, Role.LANDLORD)


def is_admin(user):
    """An office administrator: an active superuser. Staff status alone only opens the Django admin."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def is_staff_user(user):
    """Office staff (inspector, manager, leader, admin): they see internal entries."""
    return is_admin(user) or user.role in STAFF_ROLES


def is_manager(user):
    return is_admin(user) or user.role == Role.MANAGER


def can_inspect(user):
    return is_admin(user) or user.role in (Role.INSPECTOR, Role.MANAGER)


def may_import(user):
    """An import may create zones and grids anywhere: only managers and admins who see the whole area."""
    return bool(user.is_authenticated and user.sees_everything and (is_admin(user) or user.role == Role.MANAGER))
