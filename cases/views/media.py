"""Uploaded files, served by the app (offices run on intranets) and scoped like everything else.

A photo is served only to a user who may see it by ``Photo.objects.visible_to`` (the hazard, ticket
or inspection it belongs to, and, for a photo attached to an internal note, office staff only), the
same rule as every list of photos. Anything else under MEDIA_ROOT (the register's import uploads,
which span every zone) only to office administrators, who alone import: staff status opens nothing.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.views.static import serve

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
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "private, max-age=86400"
    return response
