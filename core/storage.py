"""The S3-compatible storage of uploaded files (config.storage reads STORAGE_URL into it).

It differs from django-storages' S3Storage in one thing: a file's ``url`` is the app's own
``MEDIA_URL`` address, never the bucket's. Photos and documents are evidence about named
enterprises, so every read goes through the app's views (cases.views.media and the ledgers' and
tickets' download views), which check that the user may see the file and stream it from the bucket.
A presigned link would bypass that check, and a public bucket would give everything to anyone.
"""

from urllib.parse import urljoin

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    def url(self, name, parameters=None, expire=None, http_method=None):
        return urljoin(settings.MEDIA_URL, filepath_to_uri(name).lstrip("/"))
