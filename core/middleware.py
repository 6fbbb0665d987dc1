import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)


class UserLanguageMiddleware:
    """Activate the language a signed-in user chose, unless the request picks one (?lang / cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if chosen and not request.COOKIES.get("django_language") and "HTTP_ACCEPT_LANGUAGE" not in request.META:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL byte in the path, the query string or a form field is bad input: answer 400 before anything
    runs (a JSON body is checked by its parser, core.api.parsers).

    (PostgreSQL cannot store or compare text with NUL; without this a crafted path or filter is a 500.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", "")
        if (
            not bad
            and request.method == "POST"
            and request.content_type
            in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            )
        ):
            bad = any("\x00" in value for values in request.POST.lists() for value in values[1])
        if bad:
            return HttpResponseBadRequest(
                _("输入中含有不允许的空字符（NUL）。"), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


# --- a lost dependency -------------------------------------------------------------------------------

#: The database cannot be reached (down, restarting, connections exhausted): not the request's fault.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def api_refusal(request, status, message, code, headers=None):
    """A refusal answered before any view, as the API answers refusals: ``{"detail", "code"}``; None for a
    page (the caller renders its own)."""
    if not request.path_info.startswith("/api/"):
        return None
    body = {"detail": message, "code": code}
    return JsonResponse(body, status=status, headers=headers, json_dumps_params={"ensure_ascii": False})


def refused_request(request, status, message, code, heading, hint="", headers=None):
    """A request refused before any view runs (too large, too frequent): JSON for the API, else a page that
    says why and leads back to where the user came from."""
    answer = api_refusal(request, status, message, code, headers)
    if answer is None:
        context = {"status": status, "heading": heading, "message": message, "hint": hint, "back": _back(request)}
        answer = render(request, "core/request_refused.html", context, status=status)
        for name, value in (headers or {}).items():
            answer[name] = value
    return answer


def service_unavailable(request):
    """503: JSON ``{"detail": "服务暂不可用…"}`` for the API, the static 503.html page otherwise.

    The page is rendered without the request (no context processors): nothing may touch the database."""
    headers = {"Retry-After": "30"}
    answer = api_refusal(request, 503, _("服务暂不可用，请稍后重试。"), "service_unavailable", headers)
    return answer or HttpResponse(loader.render_to_string("503.html"), status=503, headers=headers)


class ServiceUnavailableMiddleware:
    """With the database unreachable a view answers 503 (JSON for the API), not a 500 page; the error
    is logged as a warning. Failures inside other middleware (a session read) reach ``server_error``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
            return service_unavailable(request)
        return None


def server_error(request, template_name="500.html"):
    """``handler500``: the 503 of ``service_unavailable`` when the database is the cause, else Django's 500."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    return defaults.server_error(request, template_name=template_name)


# --- heavy uploads -------------------------------------------------------------------------------------


def _size(count):
    """Bytes as people read them: "12.5 MB", "600 KB"."""
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    return f"{-(-count // 1024)} KB"


def upload_limit_error(files):
    """Why the uploaded ``files`` (a request's FILES) are too many or too large together, or None."""
    uploads = [upload for name in files for upload in files.getlist(name)]
    max_files = int(settings.PHOTO_REQUEST_MAX_FILES)
    if len(uploads) > max_files:
        return _("一次最多上传 %(max)s 个文件（照片），本次有 %(count)s 个，请分次提交。") % {
            "max": max_files,
            "count": len(uploads),
        }
    max_bytes = int(settings.PHOTO_REQUEST_MAX_BYTES)
    total = sum(upload.size or 0 for upload in uploads)
    if total > max_bytes:
        return _("一次上传的文件（照片）合计 %(size)s，超过 %(max)s 的上限，请分次提交。") % {
            "size": _size(total),
            "max": _size(max_bytes),
        }
    return None


class UploadLimitMiddleware:
    """A request uploading more than ``PHOTO_REQUEST_MAX_FILES`` files or ``PHOTO_REQUEST_MAX_BYTES`` in all
    answers 413 with a message (JSON for the API) before any photo is looked at."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("POST", "PUT", "PATCH") and request.content_type == "multipart/form-data":
            message = upload_limit_error(request.FILES)
            if message:
                hint = _("请返回上一页，减少照片数量或压缩照片后分次提交。")
                return refused_request(request, 413, message, "upload_too_large", _("无法上传"), hint)
        return self.get_response(request)


# --- exports -----------------------------------------------------------------------------------------


def _back(request):
    back = request.META.get("HTTP_REFERER", "")
    return back if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) else "/"


class ExportRateLimitMiddleware:
    """Spreadsheet exports (every ``….xlsx`` address) at most ``EXPORT_RATE_LIMIT`` per user (e.g. "10/min"):
    a ledger export reads every row in scope, so repeating it is the cheapest way to load the server. Over
    the limit: 429 with a message and ``Retry-After``. Counted in the cache, in the process while Redis is
    down (core.throttling.ExportThrottle)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "GET" or not request.path_info.endswith(".xlsx") or not settings.EXPORT_RATE_LIMIT:
            return None
        from core.throttling import ExportThrottle

        throttle = ExportThrottle()
        if throttle.allow_request(request, None):
            return None
        wait = max(1, int(throttle.wait() or 1))
        message = _("导出过于频繁：每人 %(seconds)s 秒内最多导出 %(count)s 次，请 %(wait)s 秒后再试。") % {
            "seconds": throttle.duration,
            "count": throttle.num_requests,
            "wait": wait,
        }
        headers = {"Retry-After": str(wait)}
        return refused_request(request, 429, message, "export_throttled", _("操作过于频繁"), headers=headers)
