"""QR codes as inline SVG (no network, no image file): the notice's case link, a unit's plate."""

from django.utils.safestring import mark_safe


def qr_svg(text):
    """An inline SVG QR code of ``text``."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(text, image_factory=SvgPathImage, box_size=10, border=2)
    return mark_safe(image.to_string(encoding="unicode"))  # generated markup, no user input
