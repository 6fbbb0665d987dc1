"""Rebuild the day summaries the figures add up (briefing.summaries), the map's cells (closeout.map_cells) and the
tallies of the units and of the campaign ledgers' records (briefing.unit_tally, briefing.record_tally), or check
them.

    python manage.py rebuild_summaries            # recompute every closed day from the ledger's rows and events,
                                                  # count every parcel into the map's cells and every unit,
                                                  # drill, service request and welding device into the tallies
    python manage.py rebuild_summaries --check    # compare the stored summaries and cells with a fresh computation

The rebuild replaces every summary row in one transaction (running it twice gives the same rows). The
check changes nothing: it prints each difference and exits 1 when there is one, 0 when they agree.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from briefing import record_tally, summaries, unit_tally
from closeout import map_cells

SHOWN = 50  # differences printed at most


class Command(BaseCommand):
    @property
    def help(self):  # translated when asked for (argparse needs a str, not a lazy proxy)
        return _(
            "从台账记录和事件重建每日汇总（简报和驾驶舱累计数据所用）、宗地地图汇总、单位汇总和台账记录汇总；"
            "加 --check 时只比对，不修改。"
        )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help=_("比对已存汇总与重新计算的结果，有差异时退出码为 1"))

    def handle(self, *args, check=False, **options):
        if check:
            differences = summaries.check()
            differences += [("closeout_mapcell", key, stored, fresh) for key, stored, fresh in map_cells.check()]
            differences += [("briefing_unitcount", key, stored, fresh) for key, stored, fresh in unit_tally.check()]
            differences += [("briefing_recordcount", key, stored, fresh) for key, stored, fresh in record_tally.check()]
            for table, key, stored, fresh in differences[:SHOWN]:
                self.stdout.write(f"{table} {key}: {_('已存')} {stored} ≠ {_('重算')} {fresh}")
            if differences:
                raise CommandError(_("汇总与台账不一致：%(n)d 处差异。") % {"n": len(differences)}, returncode=1)
            self.stdout.write(_("每日汇总、宗地地图汇总、单位汇总和台账记录汇总与台账一致。"))
            return
        rows = summaries.rebuild()
        self.stdout.write(
            _("已重建每日汇总：%(rows)d 行，覆盖至 %(until)s（不含）。")
            % {"rows": rows, "until": summaries.covered_until()}
        )
        self.stdout.write(_("已重建宗地地图汇总：%(cells)d 格。") % {"cells": map_cells.rebuild()})
        self.stdout.write(_("已重建单位汇总：%(rows)d 行。") % {"rows": unit_tally.rebuild()})
        self.stdout.write(_("已重建台账记录汇总：%(rows)d 行。") % {"rows": record_tally.rebuild()})
