"""Links to pages that may not exist for every deployment or role."""

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse


def safe_reverse(*names, args=None, query=None):
    """The URL of the first name that resolves, with ``query`` appended; "" when none does."""
    for name in names:
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            continue
        if query:
            url = f"{url}?{urlencode(query, doseq=True)}"
        return url
    return ""


ID_SLOT = "{id}"


def url_template(name, *, query=None):
    """The URL of ``name`` with ``{id}`` where an object's id goes, in its path or in the ``query`` keys
    given: one reverse for a list of objects (``template.replace(ID_SLOT, str(pk))`` for each); "" when the
    name does not resolve."""
    sentinel = 987654321
    if query:
        url = safe_reverse(name, query=dict.fromkeys(query, sentinel))
    else:
        url = safe_reverse(name, args=[sentinel])
    return url.replace(str(sentinel), ID_SLOT)
