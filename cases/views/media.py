"""Uploaded files, served by the app (offices run on intranets) and scoped like everything else.

A photo is served only to a user who may see it by ``Photo.objects.visible_to`` (the hazard, ticket
or inspection it belongs to, and, for a photo attached to an internal note, office staff only), the
same rule as every list of photos. Any other stored file (the register's import uploads, which span
every zone) only to office administrators, who alone import: staff status opens nothing.

Files are read through the storage API (``default_storage``): from MEDIA_ROOT, or from the private
S3-compatible bucket of ``STORAGE_URL``, streamed by this view after the check. The bucket is never
linked to (core.storage.PrivateS3Storage.url is this view's address).
"""

import mimetypes
import posixpath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404

from accounts.policy import is_office_admin
from cases.models import Photo


@login_required
def media(request, path):
    if path.startswith("photos/"):
        visible = Photo.objects.visible_to(request.user).filter(Q(image=path) | Q(thumbnail=path))
        if not visible.exists():
            raise Http404
    elif not is_office_admin(request.user):
        raise Http404
    return stream(path)


def stream(name):
    """The stored file ``name`` as a response (404 when there is none), for a caller that checked access."""
    name = posixpath.normpath(name).lstrip("/")
    if name.startswith("..") or not name or name == ".":
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, SuspiciousFileOperation):
        raise Http404 from None
    content_type, encoding = mimetypes.guess_type(name)
    if encoding or not content_type:
        content_type = "application/octet-stream"  # a .gz is sent as it is stored, never unpacked by the browser
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
