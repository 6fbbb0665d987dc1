from django.db import models

from accounts.policy import is_staff_user
from accounts.scoping import ScopedQuerySet, restrict


def sees_internal(user):
    """The one rule for internal entries (an internal note and the photos attached to it): office staff
    see them; the responsible party (enterprise, landlord) and anyone else never do."""
    return bool(user is not None and user.is_authenticated and user.is_active and is_staff_user(user))


class EventQuerySet(ScopedQuerySet, models.QuerySet):
    def visible_to(self, user):
        """The events of subjects ``user`` sees, without the internal ones unless ``user`` sees those."""
        return restrict(self, user).shown_to(user)

    def shown_to(self, user):
        """Only the internal rule, for events of a subject already found in the user's scope."""
        return self if sees_internal(user) else self.filter(internal=False)
