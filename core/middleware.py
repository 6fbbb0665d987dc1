from django.http import HttpResponseBadRequest
from django.utils import translation
from django.utils.translation import gettext as _


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
    """A NUL byte in the query string or a form field is bad input: answer 400 before anything runs.

    (PostgreSQL cannot store or compare text with NUL; without this a crafted filter is a 500.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = "%00" in request.META.get("QUERY_STRING", "")
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
