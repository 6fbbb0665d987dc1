from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core.paging import CappedPaginator


class StandardPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 200); the page carries count, next, previous, results."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CappedPagination(StandardPagination):
    """StandardPagination whose count stops at ``CappedPaginator.cap`` rows past the page (a long list's
    count scanned every row: 208 ms of the tickets search at 1M hazards). Below the cap ``count`` is
    exact; beyond it ``count`` is the cap, ``count_capped`` is true, and ``next`` still leads on."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.shown_count,
                "count_capped": paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {"type": "boolean", "example": False}
        schema["required"] = [*schema.get("required", ["count", "results"]), "count_capped"]
        return schema
