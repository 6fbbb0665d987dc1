"""督办: the daily escalation of overdue cases, one engine for every kind of case with a deadline.

A kind of case registers itself (``register``) with its model and the function that raises one of its
cases to a level (writing the field and the event on its timeline); tickets are registered here,
enterprise service requests by the servicedesk app. ``escalate_overdue`` — the morning job — raises
every overdue open case of every kind to the level its days overdue call for (``overdue_level``:
ESCALATION_THRESHOLDS), never lowers one, and is idempotent within a day. Overdue is
``cases.deadlines``' one definition, for every kind.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cases.choices import EscalationLevel
from cases.deadlines import days_overdue, is_overdue, overdue_q
from core import dates


@dataclass(frozen=True)
class CaseKind:
    """A kind of case the daily job escalates. ``raise_level(case, level, *, actor, comment, data)`` is
    called on the row locked for update and must save the level and write the event."""

    name: str
    model: type
    raise_level: Callable


_KINDS = {}


def register(kind):
    _KINDS[kind.name] = kind


def kinds():
    return dict(_KINDS)


def overdue_level(days):
    """The escalation level the daily job sets for this many days overdue."""
    level = EscalationLevel.NONE
    for candidate, threshold in enumerate(settings.ESCALATION_THRESHOLDS[:2], start=1):
        if days >= threshold:
            level = candidate
    return level


def escalate_kind(kind, today):
    """Raise the overdue cases of one kind; returns how many were raised."""
    first = min(settings.ESCALATION_THRESHOLDS[:2], default=1)
    candidates = (
        kind.model.objects.filter(overdue_q(today))
        .filter(deadline__lte=today - timedelta(days=first), escalation_level__lt=EscalationLevel.LISTED)
        .values_list("pk", flat=True)
    )
    raised = 0
    for pk in list(candidates):
        with transaction.atomic():
            case = kind.model.objects.select_for_update().get(pk=pk)
            if not is_overdue(case, today):  # closed (or its deadline moved) since the list was read
                continue
            days = days_overdue(case, today)
            target = overdue_level(days)
            if target > case.escalation_level:
                kind.raise_level(
                    case,
                    target,
                    actor=None,
                    comment=_("逾期 %(days)d 天，系统自动督办。") % {"days": days},
                    data={"days_overdue": days, "automatic": True},
                )
                raised += 1
    return raised


def escalate_overdue(*, today=None, only=None):
    """The daily job over every registered kind (or the names in ``only``): {kind name: cases raised}."""
    today = today or dates.today()
    return {name: escalate_kind(kind, today) for name, kind in _KINDS.items() if only is None or name in only}
