"""python manage.py import_register FILE [--dry-run]: the register from an office's .xlsx or .csv."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.text import join_list
from register.importer import COLUMNS, ImportFailed, RegisterImporter

PROGRESS_MIN_ROWS = 2000
BAR_WIDTH = 30


class Command(BaseCommand):
    @property
    def help(self):  # translated when asked for (argparse needs a str, not a lazy proxy)
        return _(
            "从台账（.xlsx 或 .csv）导入区块、网格、宗地和企业。全部成功才写入；有任何一行出错则不写入，并逐行列出问题。"
        )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("台账文件（.xlsx，或 UTF-8 / GB18030 编码的 .csv）"))
        parser.add_argument("--dry-run", action="store_true", help=_("只校验，不写入任何数据"))
        parser.add_argument("--no-progress", action="store_true", help=_("不显示进度条"))
        parser.epilog = _("可识别的列：%(names)s。") % {"names": join_list(c.header for c in COLUMNS)}

    def handle(self, *args, file, dry_run, no_progress, **options):
        started = time.monotonic()
        self._progress_drawn = False
        show_progress = not no_progress and self.stderr.isatty()
        importer = RegisterImporter(file, progress=self._progress if show_progress else None)
        try:
            summary = importer.run(dry_run=dry_run)
        except ImportFailed as exc:
            self._end_progress()
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(exc.message)
        self._end_progress()
        if summary.ignored_columns:
            names = join_list(summary.ignored_columns)
            self.stderr.write(_("已忽略无法识别的列：%(names)s") % {"names": names}, style_func=self.style.WARNING)
        if dry_run:
            title = _("校验通过：共 %(rows)d 行，未写入任何数据（试运行）。")
        else:
            title = _("导入完成：共 %(rows)d 行，用时 %(seconds).1f 秒。")
        self.stdout.write(self.style.SUCCESS(title % {"rows": summary.rows, "seconds": time.monotonic() - started}))
        for line in summary.lines():
            self.stdout.write("  " + line)
        for line in summary.new_unit_lines():  # a typo in a zone or grid name creates one: say which
            self.stdout.write("  " + line, style_func=self.style.WARNING)

    def _progress(self, done, total):
        """A bar when the sheet says how many rows it has, else a count; nothing for small files."""
        if total is None:
            if done < PROGRESS_MIN_ROWS:
                return
            line = _("已读取 %(done)d 行") % {"done": done}
        elif total < PROGRESS_MIN_ROWS:
            return
        else:
            filled = min(BAR_WIDTH, BAR_WIDTH * done // total)
            line = "[" + "#" * filled + "-" * (BAR_WIDTH - filled) + f"] {done}/{total}"
        self.stderr.write("\r" + line, ending="", style_func=str)
        self.stderr.flush()
        self._progress_drawn = True

    def _end_progress(self):
        if getattr(self, "_progress_drawn", False):
            self.stderr.write("", style_func=str)
            self._progress_drawn = False
