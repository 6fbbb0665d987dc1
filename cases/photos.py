"""Photo evidence: check that an upload is a real photo, keep it unchanged, record what it says.

``validate_photo`` reads the upload once (refusing it before reading when it is over
``settings.PHOTO_MAX_BYTES``), lets Pillow identify it (JPEG, PNG, WebP, and HEIC/HEIF from
iPhones through pillow-heif; anything else is refused whatever its name says), refuses images
over ``PHOTO_MAX_PIXELS`` before decoding them (decompression bombs), decodes it fully (a
truncated or corrupt file is refused), builds a JPEG thumbnail (at most 400 px, EXIF
orientation applied) and reads the EXIF capture time and GPS position. ``save_photo`` stores
the original bytes unchanged (they are evidence), content-addressed by SHA-256, with the
thumbnail beside them.

Errors are ``PhotoError`` (a ``ValidationError``) with a Chinese message a person can act on.
"""

import contextlib
import hashlib
import io
import math
import os
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps

from cases.models import Photo
from core.images import pixel_limit, too_many_pixels_message

pillow_heif.register_heif_opener()

# Pillow format -> (stored extension, content type). MPO is how Pillow names JPEGs from
# phones that carry a multi-picture extension; they are ordinary JPEG files.
FORMATS = {
    "JPEG": (".jpg", "image/jpeg"),
    "MPO": (".jpg", "image/jpeg"),
    "PNG": (".png", "image/png"),
    "WEBP": (".webp", "image/webp"),
    "HEIF": (".heic", "image/heic"),
}
THUMBNAIL_SIZE = 400
THUMBNAIL_QUALITY = 82
READ_CHUNK = 1024 * 1024

_EXIF_TIMES = (
    (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal),
    (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized),
)
_GPS_LATITUDE_REF, _GPS_LATITUDE, _GPS_LONGITUDE_REF, _GPS_LONGITUDE = (
    ExifTags.GPS.GPSLatitudeRef,
    ExifTags.GPS.GPSLatitude,
    ExifTags.GPS.GPSLongitudeRef,
    ExifTags.GPS.GPSLongitude,
)


class PhotoError(ValidationError):
    """An upload that is not an acceptable photo; the message says why, in words a user understands."""


@dataclass
class PhotoInfo:
    format: str
    extension: str
    content_type: str
    width: int  # as displayed, i.e. after the EXIF orientation
    height: int
    size: int
    sha256: str
    taken_at: datetime | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    data: bytes = field(default=b"", repr=False)
    thumbnail: bytes = field(default=b"", repr=False)


def max_bytes():
    return int(settings.PHOTO_MAX_BYTES)


def max_pixels():
    return pixel_limit()


def _human_size(size, round_up=False):
    """10485760 -> '10 MB'; a size just over a limit rounds up so it never reads as equal to it."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            value = math.ceil(value * 10) / 10 if round_up else round(value, 1)
            return f"{value:g} {unit}"
    return f"{size} B"


def _too_large(size):
    return PhotoError(
        _("照片文件过大（%(size)s），不能超过 %(limit)s。")
        % {"size": _human_size(size, round_up=True), "limit": _human_size(max_bytes())},
        code="photo_too_large",
    )


def _not_an_image():
    return PhotoError(
        _("文件不是有效的图片，请上传 JPEG、PNG、WebP 或 HEIC 格式的照片。"),
        code="photo_invalid",
    )


def _read(uploaded_file):
    """The upload's bytes, read in chunks and refused as soon as they pass the limit."""
    limit = max_bytes()
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise _too_large(size)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    buffer = io.BytesIO()
    while chunk := uploaded_file.read(READ_CHUNK):
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise _too_large(buffer.tell())
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    return buffer.getvalue()


def validate_photo(uploaded_file) -> PhotoInfo:
    """Check an uploaded file and describe it; raise PhotoError if it is not an acceptable photo.

    The result is remembered on the file object, so the services' check-then-save does the
    (costly) decoding once.
    """
    cached = getattr(uploaded_file, "_photo_info", None)
    if cached is not None:
        return cached
    data = _read(uploaded_file)
    if not data:
        raise PhotoError(_("照片文件为空。"), code="photo_empty")
    info = inspect_photo(data)
    with contextlib.suppress(AttributeError):  # an object that takes no attributes is just not cached
        uploaded_file._photo_info = info
    return info


def inspect_photo(data: bytes) -> PhotoInfo:
    """Describe photo bytes (see validate_photo); raise PhotoError when they are not a usable photo."""
    with warnings.catch_warnings():
        # Pillow (Image.MAX_IMAGE_PIXELS = PHOTO_MAX_PIXELS, core.images) warns above the limit, refused below
        # with the image's size, and raises above twice the limit.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise _too_many_pixels(None)
        except Exception:  # noqa: BLE001 - any failure to identify untrusted bytes means "not an image"
            raise _not_an_image()
        with image:
            if image.format not in FORMATS:
                raise PhotoError(
                    _("不支持的图片格式（%(format)s），请上传 JPEG、PNG、WebP 或 HEIC 格式的照片。")
                    % {"format": image.format or "?"},
                    code="photo_format",
                )
            width, height = image.size
            if width <= 0 or height <= 0:
                raise _not_an_image()
            if width * height > max_pixels():
                raise _too_many_pixels(width * height)
            image_format = image.format
            try:
                exif = image.getexif()
                orientation = exif.get(ExifTags.Base.Orientation, 1)
                if image_format in ("JPEG", "MPO"):
                    # Decode at a reduced scale: enough for the thumbnail, far cheaper for a 12 MP photo.
                    image.draft("RGB", (THUMBNAIL_SIZE * 2, THUMBNAIL_SIZE * 2))
                image.load()
                thumbnail = _thumbnail(image)
                taken_at = _taken_at(exif)
                latitude, longitude = _gps(exif)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise _too_many_pixels(width * height)
            except Exception:  # noqa: BLE001 - a decoder failing on untrusted bytes: damaged file
                raise PhotoError(_("照片文件已损坏或不完整，无法读取。"), code="photo_damaged")
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    extension, content_type = FORMATS[image_format]
    return PhotoInfo(
        format=image_format,
        extension=extension,
        content_type=content_type,
        width=width,
        height=height,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        taken_at=taken_at,
        gps_latitude=latitude,
        gps_longitude=longitude,
        data=data,
        thumbnail=thumbnail,
    )


def _too_many_pixels(pixels):
    return PhotoError(too_many_pixels_message(pixels), code="photo_too_many_pixels")


def _thumbnail(image):
    """A JPEG of at most THUMBNAIL_SIZE px a side, turned upright, transparency on white."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode in ("I", "I;16", "I;16B", "I;16L"):
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L").convert("RGB")
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return buffer.getvalue()


def _text(value):
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    return str(value).strip().strip("\x00").strip() if value is not None else ""


def _taken_at(exif):
    """EXIF DateTimeOriginal (else DateTimeDigitized) as an aware datetime.

    The camera writes local wall-clock time; its offset tag is used when present, otherwise
    the time is read in the site's zone (Asia/Shanghai).
    """
    try:
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:  # noqa: BLE001 - a broken EXIF block is not a reason to refuse the photo
        return None
    for time_tag, offset_tag in _EXIF_TIMES:
        raw = _text(ifd.get(time_tag))
        if not raw:
            continue
        try:
            naive = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007 - EXIF has no zone: added below
        except ValueError:
            continue  # "0000:00:00 00:00:00" and other junk
        offset = _offset(_text(ifd.get(offset_tag)))
        if offset is not None:
            return naive.replace(tzinfo=offset)
        return timezone.make_aware(naive, timezone.get_default_timezone())
    return None


def _offset(text):
    """'+08:00' -> a fixed offset; anything else -> None."""
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return dt_timezone(-delta if text[0] == "-" else delta)


def _gps(exif):
    """(latitude, longitude) in decimal degrees, south and west negative; (None, None) if absent."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # noqa: BLE001
        return None, None
    if not gps:
        return None, None
    latitude = _coordinate(gps.get(_GPS_LATITUDE), gps.get(_GPS_LATITUDE_REF), "S", 90)
    longitude = _coordinate(gps.get(_GPS_LONGITUDE), gps.get(_GPS_LONGITUDE_REF), "W", 180)
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return None, None  # a camera without a fix writes zeros
    return latitude, longitude


def _coordinate(value, ref, negative_ref, bound):
    if value is None:
        return None
    try:
        parts = [float(part) for part in value] if isinstance(value, tuple | list) else [float(value)]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not parts or len(parts) > 3 or any(math.isnan(part) or math.isinf(part) or part < 0 for part in parts):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(parts))
    if degrees > bound:
        return None
    if _text(ref).upper().startswith(negative_ref):
        degrees = -degrees
    return round(degrees, 7)


def _store(fieldfile, instance, content):
    """Save content under the field's upload_to name, reusing an identical file already stored.

    Names are content-addressed (SHA-256), so a file already at that name holds these bytes.
    """
    field = fieldfile.field
    name = field.generate_filename(instance, "upload")
    if field.storage.exists(name):
        setattr(instance, field.attname, name)
    else:
        fieldfile.save(name, ContentFile(content), save=False)


def save_photo(uploaded_file, *, uploaded_by, kind, hazard=None, ticket=None, inspection=None, event=None) -> Photo:
    """Validate and store one uploaded photo, attached to a hazard, ticket, inspection and/or event."""
    info = validate_photo(uploaded_file)
    original_name = os.path.basename(getattr(uploaded_file, "name", "") or "")[:255]
    photo = Photo(
        kind=kind,
        hazard=hazard,
        ticket=ticket,
        inspection=inspection,
        event=event,
        extension=info.extension,
        content_type=info.content_type,
        sha256=info.sha256,
        width=info.width,
        height=info.height,
        size=info.size,
        taken_at=info.taken_at,
        gps_latitude=info.gps_latitude,
        gps_longitude=info.gps_longitude,
        original_name=original_name,
        uploaded_by=uploaded_by,
    )
    _store(photo.image, photo, info.data)
    _store(photo.thumbnail, photo, info.thumbnail)
    photo.save()
    return photo
