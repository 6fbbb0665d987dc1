"""The API's JSON parser: DRF's, refusing bodies nested too deep or carrying a NUL character.

Settings: ``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``; views that list their parsers use ``JSONParser``
from here. A body of 100,000 nested ``[`` made the standard parser raise RecursionError (a 500); it
answers 400 with a message now, as does a structure deeper than ``MAX_DEPTH`` or a string with NUL
(PostgreSQL cannot store it).
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def _check(data):
    """Walk ``data`` without recursion: refuse deep nesting and NUL characters."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError(_("输入中含有不允许的空字符（NUL）。"), code="nul_character")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise ParseError(_("JSON 嵌套层数过多（最多 %(depth)s 层）。") % {"depth": MAX_DEPTH}, code="too_deep")
        items = list(value.items()) if isinstance(value, dict) else value
        for item in items:
            if isinstance(item, tuple):
                pending.append((item[0], depth + 1))
                pending.append((item[1], depth + 1))
            else:
                pending.append((item, depth + 1))
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                _("JSON 嵌套层数过多（最多 %(depth)s 层）。") % {"depth": MAX_DEPTH}, code="too_deep"
            ) from None
        return _check(data)
