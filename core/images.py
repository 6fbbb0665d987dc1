"""Limits on uploaded images, checked before any pixel is decoded (decompression bombs, heavy requests).

``PHOTO_MAX_PIXELS`` (default 40 megapixels): an image larger than this is refused from its header
(Pillow's ``Image.open`` reads only the header); Pillow's own ``Image.MAX_IMAGE_PIXELS`` is set to it at
start-up (``limit_pillow``), so any other decoding warns above it and refuses twice that.
``PHOTO_REQUEST_MAX_FILES`` / ``PHOTO_REQUEST_MAX_BYTES``: the files and their total size one request may
upload (core.middleware.UploadLimitMiddleware).
"""

import warnings

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

DEFAULT_MAX_PIXELS = 40_000_000


def pixel_limit():
    return int(getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def limit_pillow():
    Image.MAX_IMAGE_PIXELS = pixel_limit()


def too_many_pixels_message(pixels=None):
    limit = pixel_limit() // 10_000
    if pixels is None:
        return _("照片像素过大，不能超过 %(limit)s 万像素。") % {"limit": limit}
    return _("照片像素过大（%(pixels)s 万像素），不能超过 %(limit)s 万像素。") % {
        "pixels": pixels // 10_000,
        "limit": limit,
    }


def pixel_error(fileobj):
    """The message when the image in ``fileobj`` has more pixels than allowed (read from its header), else
    None (also for a file that is no image: other checks say so). The file is left at its start."""
    try:
        fileobj.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(fileobj) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        return too_many_pixels_message()
    except Exception:  # noqa: BLE001 - not an image: not this check's business
        return None
    finally:
        fileobj.seek(0)
    return too_many_pixels_message(width * height) if width * height > pixel_limit() else None
