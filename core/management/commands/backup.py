"""python manage.py backup [--output DIR] [--media]: the database dump, the list of stored files, a manifest."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump custom format; SQLite: online backup) with a listing of "
        "the stored files (path, size, SHA-256) and a manifest (time, version, row counts) into a new folder. "
        "Restore with `manage.py restore DIR`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the folder to write (new or empty); default VAR_DIR/backups/<time>")
        parser.add_argument("--media", action="store_true", help="copy the stored files too (local storage)")

    def handle(self, *args, output=None, media=False, **options):
        if not output:
            output = Path(settings.VAR_DIR) / "backups" / timezone.localtime().strftime("%Y%m%d-%H%M%S")
        try:
            manifest = backup(output, copy_media=media)
        except BackupError as exc:
            raise CommandError(_("备份失败：%(error)s") % {"error": exc})
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                _("备份完成：%(dir)s（数据库 %(tables)d 张表 %(rows)d 行，文件 %(files)d 个）")
                % {"dir": output, "tables": len(manifest["counts"]), "rows": rows, "files": manifest["media"]["files"]}
            )
        )
