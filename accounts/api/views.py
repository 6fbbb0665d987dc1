from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.authentication import token_expired
from accounts.api.serializers import MeSerializer, TokenRequestSerializer, TokenSerializer
from core.throttling import ScopedRateThrottle, SimpleRateThrottle  # they survive Redis being down


class UsernameRateThrottle(SimpleRateThrottle):
    """The token rate per username as well as per address: guessing one account's password from
    many addresses is throttled too."""

    scope = "auth_token"

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None
        return self.cache_format % {"scope": f"{self.scope}-user", "ident": username.strip().lower()[:150]}


class TokenView(APIView):
    """``POST`` username and password for a token (``Authorization: Token …``); ``DELETE`` revokes it.

    Throttled against password guessing: the ``auth_token`` rate per client address and per username.
    """

    throttle_classes = [ScopedRateThrottle, UsernameRateThrottle]
    throttle_scope = "auth_token"

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_authenticators(self):
        # Logging in needs no credentials, and no session CSRF check either.
        if getattr(getattr(self, "request", None), "method", None) == "POST":
            return []
        return super().get_authenticators()

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        if token_expired(token):  # API_TOKEN_DAYS: an expired token is replaced, never handed out again
            token.delete()
            token = Token.objects.create(user=user)
        return Response(TokenSerializer({"token": token.key, "user": user}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in user: role and scope."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
