"""The ``Idempotency-Key`` header on the API's creating POSTs (core.idempotency): a field app that sends
a report again, after a lost answer or from its outbox, records it once and gets the first answer again
(with the header ``Idempotent-Replayed: true``); a different request under a used key answers 422."""

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.request import is_form_media_type
from rest_framework.response import Response

from core import idempotency

IDEMPOTENCY_HEADER = OpenApiParameter(
    name=idempotency.HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key the client makes for this change (8–64 characters: letters, digits, '-' or '_'; a UUID "
        "fits). Sent again with the same request, the change is recorded once and the first answer is "
        "returned again, with the header `Idempotent-Replayed: true`. The same key with a different "
        "request answers 422 (code `idempotency_key_reused`). Keys are kept for IDEMPOTENCY_KEEP_DAYS days."
    ),
)


def once(request, scope, work):
    """Answer ``work()`` (a Response) once per the request's Idempotency-Key; without one, just run it."""
    key = idempotency.request_key(request)
    if not key:
        return work()
    data = request.POST if is_form_media_type(request.content_type) else request.data
    print_ = idempotency.fingerprint(f"{scope}:{request.path}", data, request.FILES)

    def change():
        response = work()
        return response.status_code, json.loads(JSONRenderer().render(response.data))

    status, body, replayed = idempotency.run_once(request.user, key, scope, print_, change)
    response = Response(body, status=status)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response
