"""Where uploaded files live: the local disk (MEDIA_ROOT, the embedded default) or an S3-compatible bucket.

``STORAGE_URL`` names the bucket (Aliyun OSS, Huawei OBS, Tencent COS, MinIO, Ceph, AWS S3)::

    s3://ACCESS_KEY:SECRET_KEY@host:port/bucket[/prefix]?region=cn-east-1&addressing_style=path&secure=0

- ``host:port`` is the service's endpoint; left out (``s3://KEY:SECRET@/bucket``) it is AWS's own.
- the keys may be left out of the URL too: then ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` (or
  boto3's other usual sources) give them. Characters such as ``/`` or ``@`` in a key are %-encoded.
- ``secure=0`` talks plain HTTP (a MinIO on the intranet); ``verify=0`` skips the TLS certificate check;
  ``addressing_style`` is ``path``, ``virtual`` or ``auto``; ``signature_version`` defaults to ``s3v4``.
- a path after the bucket is a prefix under which every file goes (several offices in one bucket).

The bucket must be private: files are never linked to directly. ``url()`` of every stored file is the
app's own ``/media/...`` address, whose view checks who may see it and streams it from the bucket
(core.storage.PrivateS3Storage).
"""

from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

FILESYSTEM = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
S3_BACKEND = "core.storage.PrivateS3Storage"
ADDRESSING_STYLES = ("path", "virtual", "auto")
FALSE = {"0", "false", "no", "off"}


def storage_from_url(url):
    """The ``STORAGES["default"]`` entry for ``STORAGE_URL`` (the local disk when it is empty)."""
    url = (url or "").strip()
    if not url:
        return dict(FILESYSTEM)
    parsed = urlparse(url)
    if parsed.scheme != "s3":
        raise ImproperlyConfigured(f"STORAGE_URL: unknown scheme {parsed.scheme!r} (expected s3://).")
    bucket, _sep, prefix = parsed.path.lstrip("/").partition("/")
    if not bucket:
        raise ImproperlyConfigured("STORAGE_URL: no bucket (s3://KEY:SECRET@host:port/BUCKET).")
    query = {name: values[-1] for name, values in parse_qs(parsed.query).items()}
    unknown = set(query) - {"region", "addressing_style", "secure", "verify", "signature_version"}
    if unknown:
        raise ImproperlyConfigured(f"STORAGE_URL: unknown option(s) {', '.join(sorted(unknown))}.")
    secure = query.get("secure", "1").lower() not in FALSE
    options = {
        "bucket_name": bucket,
        "location": prefix.strip("/"),
        "signature_version": query.get("signature_version", "s3v4"),
        "use_ssl": secure,
        # Never overwrite: two uploads of a "签到表.pdf" in one month get two names, as on the local disk.
        "file_overwrite": False,
        # Files larger than this spill from memory to a temporary file while they are read.
        "max_memory_size": 4 * 1024 * 1024,
        # Only used if something asked the bucket for a link; the app's own url() never does.
        "querystring_auth": True,
        "querystring_expire": 300,
    }
    try:
        port = parsed.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"STORAGE_URL: {exc}") from None
    if parsed.hostname:
        host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname
        options["endpoint_url"] = f"{'https' if secure else 'http'}://{host}{f':{port}' if port else ''}"
    if parsed.username:
        options["access_key"] = unquote(parsed.username)
    if parsed.password:
        options["secret_key"] = unquote(parsed.password)
    if query.get("region"):
        options["region_name"] = query["region"]
    if "addressing_style" in query:
        if query["addressing_style"] not in ADDRESSING_STYLES:
            raise ImproperlyConfigured(f"STORAGE_URL: addressing_style must be one of {', '.join(ADDRESSING_STYLES)}.")
        options["addressing_style"] = query["addressing_style"]
    if query.get("verify", "1").lower() in FALSE:
        options["verify"] = False
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
