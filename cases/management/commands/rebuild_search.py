"""Compute the search grams of every ticket and hazard again (PostgreSQL; see cases.search).

    python manage.py rebuild_search

The database keeps the grams itself (triggers on insert, on a change of a searched text and on the rename
of an enterprise or a parcel); this rebuilds them after rows were written with the triggers off (a
restore with ``session_replication_role = replica``, a hand-made fix). Only rows whose grams differ are
written; run twice, the second run changes nothing. On SQLite there is nothing to rebuild.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from cases.search import rebuild_search_grams


class Command(BaseCommand):
    @property
    def help(self):  # translated when asked for (argparse needs a str, not a lazy proxy)
        return _("重新计算全部整改单和隐患的搜索索引数据（仅 PostgreSQL）；只改写与应有值不同的行。")

    def handle(self, *args, **options):
        with transaction.atomic():
            counts = rebuild_search_grams()
        if not counts:
            self.stdout.write(_("此数据库没有搜索索引数据，无需重建（搜索直接比对原文）。"))
            return
        for table, count in counts.items():
            self.stdout.write(_("%(table)s：重写 %(count)d 行") % {"table": table, "count": count})
