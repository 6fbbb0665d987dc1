from django.db import models

from accounts.scoping import ScopedQuerySet


class DailyReportQuerySet(ScopedQuerySet, models.QuerySet):
    pass


class GroupRobotQuerySet(ScopedQuerySet, models.QuerySet):
    def enabled(self):
        return self.filter(enabled=True)


class InboxMessageQuerySet(models.QuerySet):
    def of(self, user):
        """A user's own messages: nobody reads another's inbox (anonymous users have none)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user_id=user.pk)

    def unread(self):
        return self.filter(read_at__isnull=True)


class TallyQuerySet(ScopedQuerySet, models.QuerySet):
    pass
