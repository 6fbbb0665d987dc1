"""The token on a unit's plate (挂牌): ``<kind><id>.<signature>``, signed with SECRET_KEY.

The plate is printed once and hangs for years, so the token does not expire; it cannot be guessed or
forged without the key (a wrong signature is a 404, like a unit that does not exist). ``p`` is a
parcel, ``e`` an enterprise. The plate page (``/p/<token>/``) lives in the risk app.
"""

from django.core import signing

SALT = "register.plate"
_signer = signing.Signer(salt=SALT, sep=".")


def plate_token(unit):
    return _signer.sign(f"{unit.plate_kind}{unit.pk}")


def unit_of_token(token):
    """(model, pk) named by a genuine token, or None for a forged, altered or malformed one."""
    from register.models import Enterprise, Parcel

    try:
        value = _signer.unsign(token or "")
    except signing.BadSignature:
        return None
    kind, number = value[:1], value[1:]
    model = {"p": Parcel, "e": Enterprise}.get(kind)
    if model is None or not number.isascii() or not number.isdigit():
        return None
    return model, int(number)
