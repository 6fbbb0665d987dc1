"""Compressed answers: every page, JSON answer and static file goes out gzipped when the browser asks.

``CompressionMiddleware`` is Django's ``GZipMiddleware`` (which, since Django 4.2, pads each answer
with up to 100 random bytes in the gzip header: the "Heal the BREACH" mitigation; CSRF tokens are also
masked anew in every answer), placed above WhiteNoise in ``MIDDLEWARE`` so that the static files the
embedded run serves from the finders are compressed too. Where a deployment has run ``collectstatic``
with pre-compressed files, WhiteNoise's own ``Content-Encoding`` is kept as it is. It leaves alone what
compresses no further (pictures, spreadsheets, archives, PDFs) and partial answers (``Range``), which
gzip would break.
"""

from django.middleware.gzip import GZipMiddleware

# Content types that are compressed already: gzip would spend CPU to make them no smaller.
INCOMPRESSIBLE = (
    "image/",
    "video/",
    "audio/",
    "font/woff",
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument",  # .xlsx, .docx: zip files
    "application/octet-stream",
)


def worth_compressing(response):
    if response.status_code == 206 or response.has_header("Content-Range"):
        return False
    content_type = response.get("Content-Type", "").lower()
    return not content_type.startswith(INCOMPRESSIBLE) or content_type.startswith("image/svg")


class CompressionMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if not worth_compressing(response):
            return response
        return super().process_response(request, response)
