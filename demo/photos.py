"""Real JPEG photos for the demo cases, drawn with Pillow (Chinese text when a CJK font is installed)."""

import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile

PALETTE = [(192, 57, 43), (41, 128, 185), (39, 174, 96), (142, 68, 173), (211, 84, 0), (22, 160, 133)]


_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)


def _font(size):
    from PIL import ImageFont

    for path in _FONT_PATHS:
        if os.path.exists(path):
            try:
                return ImageFont.truetype(path, size), True
            except OSError:
                continue
    return ImageFont.load_default(), False


def demo_photo(lines, colour, name="photo.jpg", ascii_lines=None):
    """A real 640×480 JPEG: a coloured background with the lines of text drawn on it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    font, cjk = _font(30)
    text = lines if cjk else (ascii_lines or ["demo photo"])
    draw.rectangle((20, 20, 620, 460), outline=(255, 255, 255), width=4)
    for i, line in enumerate(text):
        draw.text((44, 50 + i * 48), line, fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
