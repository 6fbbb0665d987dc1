from django.utils import translation


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
