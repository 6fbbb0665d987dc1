import io
import struct
import zlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from cases.choices import PhotoKind
from cases.models import Photo
from cases.photos import PhotoError, save_photo, validate_photo
from tests import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def user(db):
    return f.UserFactory(username="photo-inspector")


def image_bytes(fmt, size=(800, 600), color=(30, 120, 200), exif=None, **options):
    buffer = io.BytesIO()
    if exif is not None:
        options["exif"] = exif.tobytes()
    Image.new("RGB", size, color).save(buffer, fmt, **options)
    return buffer.getvalue()


def phone_exif(
    taken="2023:12:01 09:30:15",
    lat=(28.0, 53.0, 24.0),
    lat_ref="N",
    lon=(120.0, 2.0, 6.0),
    lon_ref="E",
    orientation=1,
    offset=None,
):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = taken
    if offset:
        exif_ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = lat_ref
    gps[ExifTags.GPS.GPSLatitude] = lat
    gps[ExifTags.GPS.GPSLongitudeRef] = lon_ref
    gps[ExifTags.GPS.GPSLongitude] = lon
    return exif


def upload(data, name="IMG_0001.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_declaring(width, height):
    """A tiny PNG whose header claims width x height pixels."""

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def stored_files(root):
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_phone_jpeg_keeps_original_and_records_exif_time_gps_and_thumbnail(user):
    # Given a phone photo, taken sideways (orientation 6), with capture time and GPS position
    data = image_bytes("JPEG", size=(800, 600), exif=phone_exif(orientation=6))

    # When it is saved as evidence of an inspection
    photo = save_photo(upload(data), uploaded_by=user, kind=PhotoKind.INSPECTION)

    # Then the original bytes are stored unchanged, named by their hash
    photo.refresh_from_db()
    with photo.image.open("rb") as stored:
        assert stored.read() == data
    assert photo.image.name.endswith(f"{photo.sha256}.jpg")
    assert (photo.extension, photo.content_type, photo.size) == (".jpg", "image/jpeg", len(data))
    assert photo.original_name == "IMG_0001.jpg"
    assert photo.uploaded_by == user
    # the capture time is Shanghai wall-clock time, the position decimal degrees
    assert photo.taken_at == datetime(2023, 12, 1, 9, 30, 15, tzinfo=SHANGHAI)
    assert photo.gps_latitude == pytest.approx(28 + 53 / 60 + 24 / 3600)
    assert photo.gps_longitude == pytest.approx(120 + 2 / 60 + 6 / 3600)
    # dimensions as displayed, and an upright JPEG thumbnail of at most 400 px
    assert (photo.width, photo.height) == (600, 800)
    with photo.thumbnail.open("rb") as thumb_file:
        thumb = Image.open(thumb_file)
        thumb.load()
    assert thumb.format == "JPEG"
    assert thumb.size == (300, 400)


def test_south_and_west_are_negative_and_camera_offset_is_used(db):
    data = image_bytes("JPEG", exif=phone_exif(lat_ref="S", lon_ref="W", offset="+09:00"))

    info = validate_photo(upload(data))

    assert info.gps_latitude == pytest.approx(-(28 + 53 / 60 + 24 / 3600))
    assert info.gps_longitude == pytest.approx(-(120 + 2 / 60 + 6 / 3600))
    assert info.taken_at == datetime(2023, 12, 1, 0, 30, 15, tzinfo=ZoneInfo("UTC"))


def test_photo_without_exif_has_no_time_or_position(user):
    photo = save_photo(upload(image_bytes("JPEG")), uploaded_by=user, kind=PhotoKind.BEFORE)

    assert photo.taken_at is None
    assert photo.gps_latitude is None and photo.gps_longitude is None
    assert photo.thumbnail.name


def test_png_is_accepted(user):
    data = image_bytes("PNG", size=(500, 250))

    photo = save_photo(upload(data, "screenshot.png", "image/png"), uploaded_by=user, kind=PhotoKind.AFTER)

    assert (photo.extension, photo.content_type) == (".png", "image/png")
    assert (photo.width, photo.height) == (500, 250)
    assert photo.image.name.endswith(".png")
    with photo.thumbnail.open("rb") as thumb_file:
        assert Image.open(thumb_file).size == (400, 200)


def test_webp_is_accepted(db):
    info = validate_photo(upload(image_bytes("WEBP"), "photo.webp", "image/webp"))

    assert (info.extension, info.content_type) == (".webp", "image/webp")


def test_iphone_heic_is_accepted(user):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    try:
        Image.new("RGB", (640, 480), (90, 160, 60)).save(buffer, "HEIF", exif=phone_exif().tobytes())
    except (OSError, ValueError, KeyError) as exc:  # a libheif built without an HEVC encoder
        pytest.skip(f"pillow_heif cannot write HEIC here: {exc}")

    photo = save_photo(
        upload(buffer.getvalue(), "IMG_0002.HEIC", "image/heic"), uploaded_by=user, kind=PhotoKind.BEFORE
    )

    assert (photo.extension, photo.content_type) == (".heic", "image/heic")
    assert (photo.width, photo.height) == (640, 480)
    assert photo.taken_at == datetime(2023, 12, 1, 9, 30, 15, tzinfo=SHANGHAI)
    assert photo.gps_latitude == pytest.approx(28.89)
    with photo.thumbnail.open("rb") as thumb_file:
        assert Image.open(thumb_file).format == "JPEG"


def test_text_file_named_jpg_is_refused_with_a_clear_message(user, media_root):
    fake = upload(b"This is a shopping list, not a photo.\n" * 20, "现场照片.jpg")

    with pytest.raises(PhotoError) as excinfo:
        save_photo(fake, uploaded_by=user, kind=PhotoKind.BEFORE)

    assert excinfo.value.messages == ["文件不是有效的图片，请上传 JPEG、PNG、WebP 或 HEIC 格式的照片。"]
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_other_image_formats_are_refused(db):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40)).save(buffer, "GIF")

    with pytest.raises(PhotoError, match=r"不支持的图片格式（GIF）"):
        validate_photo(upload(buffer.getvalue(), "anim.jpg"))


def test_truncated_jpeg_is_refused(db):
    data = image_bytes("JPEG", size=(800, 600))

    with pytest.raises(PhotoError, match="照片文件已损坏或不完整"):
        validate_photo(upload(data[: len(data) // 2]))


def test_empty_file_is_refused(db):
    with pytest.raises(PhotoError, match="照片文件为空"):
        validate_photo(upload(b""))


def test_file_over_the_size_limit_is_refused(settings, user, media_root):
    # Given the default limit of 10 MB and a real JPEG padded past it
    assert settings.PHOTO_MAX_BYTES == 10 * 1024 * 1024
    data = image_bytes("JPEG") + b"\0" * settings.PHOTO_MAX_BYTES

    with pytest.raises(PhotoError) as excinfo:
        save_photo(upload(data), uploaded_by=user, kind=PhotoKind.BEFORE)

    assert excinfo.value.messages == ["照片文件过大（10.1 MB），不能超过 10 MB。"]
    assert Photo.objects.count() == 0
    assert stored_files(media_root) == []


def test_size_limit_comes_from_settings(settings, db):
    settings.PHOTO_MAX_BYTES = 2048
    data = image_bytes("JPEG", size=(400, 400))
    assert len(data) > 2048

    with pytest.raises(PhotoError, match="照片文件过大"):
        validate_photo(upload(data))


def test_decompression_bomb_is_refused(db):
    # A few hundred bytes claiming 100000 x 100000 pixels (10 gigapixels)
    bomb = png_declaring(100_000, 100_000)
    assert len(bomb) < 1000

    with pytest.raises(PhotoError, match="照片像素过大"):
        validate_photo(upload(bomb, "bomb.png", "image/png"))


def test_image_over_the_pixel_limit_is_refused_before_decoding(db):
    # 49 megapixels: over the 40-megapixel limit (PHOTO_MAX_PIXELS), under twice it (Pillow's own refusal)
    with pytest.raises(PhotoError, match=r"照片像素过大（4900 万像素），不能超过 4000 万像素"):
        validate_photo(upload(png_declaring(7_000, 7_000), "huge.png", "image/png"))


def test_the_same_photo_uploaded_twice_is_stored_once(user, media_root):
    data = image_bytes("JPEG", exif=phone_exif())

    first = save_photo(upload(data), uploaded_by=user, kind=PhotoKind.BEFORE)
    second = save_photo(upload(data, "copy.jpg"), uploaded_by=user, kind=PhotoKind.AFTER)

    assert first.pk != second.pk
    assert first.image.name == second.image.name
    assert first.thumbnail.name == second.thumbnail.name
    assert len(stored_files(media_root)) == 2  # one original, one thumbnail


def test_validated_upload_can_still_be_saved(user):
    # The services check every photo first, then save them: the file must be readable again.
    uploaded = upload(image_bytes("JPEG"))

    info = validate_photo(uploaded)
    photo = save_photo(uploaded, uploaded_by=user, kind=PhotoKind.BEFORE)

    assert photo.sha256 == info.sha256
    assert uploaded.read(3) == b"\xff\xd8\xff"
