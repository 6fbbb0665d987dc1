"""Compile every locale/*/LC_MESSAGES/*.po to .mo with polib, so no GNU gettext is needed.

Catalogues are looked for in settings.LOCALE_PATHS and in each installed app's locale/ folder.
A .mo newer than its .po is left alone unless --force is given. Fuzzy and untranslated entries
are left out of the .mo (as msgfmt does). A translation whose placeholders differ from its
msgid's (``%(name)s``, ``%s``, ``{name}``) is an error, since it would fail when rendered.
"""

import re
from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PLACEHOLDER = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[sdifgeExXr]|%[#0 +-]*\d*(?:\.\d+)?[sdifgeExXr]|\{\w*\}")


def locale_dirs():
    dirs = [Path(path) for path in settings.LOCALE_PATHS]
    dirs += [Path(config.path) / "locale" for config in apps.get_app_configs()]
    seen = []
    for folder in dirs:
        folder = folder.resolve()
        if folder.is_dir() and folder not in seen and "site-packages" not in folder.parts:
            seen.append(folder)
    return seen


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def placeholder_errors(po_path, catalogue):
    errors = []
    for entry in catalogue.translated_entries():
        if entry.msgstr_plural:
            expected = placeholders(entry.msgid_plural or entry.msgid)
            singular = placeholders(entry.msgid)
            translations = entry.msgstr_plural.values()
            bad = [t for t in translations if placeholders(t) not in (expected, singular)]
        else:
            expected = placeholders(entry.msgid)
            bad = [entry.msgstr] if placeholders(entry.msgstr) != expected else []
        for translation in bad:
            errors.append(f"{po_path}:{entry.linenum}: {entry.msgid!r} -> {translation!r}: placeholders differ")
    return errors


class Command(BaseCommand):
    help = "Compile .po catalogues to .mo with polib (no GNU gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile even when the .mo is up to date.")

    def handle(self, *args, force=False, **options):
        compiled = current = 0
        errors = []
        for folder in locale_dirs():
            for po_path in sorted(folder.glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    current += 1
                    continue
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as exc:
                    errors.append(f"{po_path}: {exc}")
                    continue
                problems = placeholder_errors(po_path, catalogue)
                if problems:
                    errors.extend(problems)
                    continue
                catalogue.save_as_mofile(str(mo_path))
                compiled += 1
                if options["verbosity"] >= 2:
                    self.stdout.write(f"compiled {po_path}")
        if errors:
            raise CommandError("Translations not compiled:\n" + "\n".join(errors))
        if options["verbosity"] >= 1:
            self.stdout.write(f"Translations: {compiled} compiled, {current} up to date.")
