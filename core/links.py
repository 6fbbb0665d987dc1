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
