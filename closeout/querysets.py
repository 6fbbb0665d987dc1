from django.db import models

from accounts.scoping import ScopedQuerySet
from cases.parcel_states import (  # noqa: F401  the one definition of a parcel's close-out state, for the apps above
    STATE_COLOUR,
    STATE_ORDER,
    STATE_SHORT,
    ParcelState,
    ParcelStateFilterSet,
    green_by_partition,
    parcel_state,
    parcel_state_q,
    state_count_kwargs,
    state_counts,
    with_parcel_state,
)


class CrossCheckQuerySet(ScopedQuerySet, models.QuerySet):
    pass


class MapQuerySet(ScopedQuerySet, models.QuerySet):
    pass
