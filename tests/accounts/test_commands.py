"""compile_translations: .po catalogues become .mo files with polib, no GNU gettext needed."""

import polib
import pytest
from django.core.management import CommandError, call_command


def write_po(locale_dir, entries, language="en"):
    folder = locale_dir / language / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": language}
    for entry in entries:
        catalogue.append(entry)
    path = folder / "django.po"
    catalogue.save(str(path))
    return path


def test_compiles_translated_entries_and_leaves_out_fuzzy_ones(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    po_path = write_po(
        tmp_path,
        [
            polib.POEntry(msgid="登录", msgstr="Sign in"),
            polib.POEntry(msgid="整改期限：%(days)s天", msgstr="Deadline: %(days)s days", flags=["python-format"]),
            polib.POEntry(msgid="退出", msgstr="Log out", flags=["fuzzy"]),
            polib.POEntry(msgid="宗地", msgstr=""),
        ],
    )

    call_command("compile_translations", verbosity=0)

    compiled = {entry.msgid: entry.msgstr for entry in polib.mofile(str(po_path.with_suffix(".mo")))}
    assert compiled == {"登录": "Sign in", "整改期限：%(days)s天": "Deadline: %(days)s days"}


def test_up_to_date_catalogue_is_not_compiled_again(tmp_path, settings, capsys):
    settings.LOCALE_PATHS = [tmp_path]
    write_po(tmp_path, [polib.POEntry(msgid="登录", msgstr="Sign in")])
    call_command("compile_translations")

    call_command("compile_translations")

    assert capsys.readouterr().out.splitlines()[-1] == "Translations: 0 compiled, 1 up to date."


def test_translation_with_different_placeholders_fails_and_writes_nothing(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    po_path = write_po(tmp_path, [polib.POEntry(msgid="逾期%(days)s天", msgstr="%(day)s days overdue")])

    with pytest.raises(CommandError, match="placeholders differ"):
        call_command("compile_translations", verbosity=0)

    assert not po_path.with_suffix(".mo").exists()
