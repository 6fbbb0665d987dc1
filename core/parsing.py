"""Numbers from request input (query strings, form fields, URL parts): ASCII digits only, bounded.

``"²".isdigit()`` and ``"٣".isdigit()`` are true in Python but ``int("²")`` fails, and a number past
PostgreSQL's bigint is a database error: every id or count read from a request goes through
``parse_id``/``parse_int`` and is either a usable int or None (the caller answers 400/404 or ignores it).
"""

BIGINT_MAX = 2**63 - 1
_ASCII_DIGITS = frozenset("0123456789")


def parse_int(value, *, minimum=0, maximum=BIGINT_MAX):
    """``value`` (str or int) as an int within ``[minimum, maximum]``, or None.

    Text must be ASCII digits (an optional leading "-" when ``minimum`` is negative), no spaces."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        if not isinstance(value, str):
            return None
        text = value[1:] if value.startswith("-") else value
        if not text or len(text) > 19 or not set(text) <= _ASCII_DIGITS:
            return None
        number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        return None
    return number


def parse_id(value):
    """A primary key from request input: a positive bigint, or None."""
    return parse_int(value, minimum=1)


def is_id(value):
    """Whether ``value`` is a usable primary key (``parse_id`` is not None)."""
    return parse_id(value) is not None
