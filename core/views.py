"""Page bases every app uses: the scoped, filtered list page, pagination, form refusals."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django_filters.views import FilterView

from core import idempotency
from core.dates import parse_captured_at
from core.errors import WorkflowError
from core.filtersets import require_scoped
from core.forms import add_workflow_errors
from core.queries import page_by_keys


class ScopedMixin(LoginRequiredMixin):
    """Every page of rows starts from what the user may see."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ScopedFilterView(ScopedMixin, FilterView):
    """A filtered, paginated list of what the user may see.

    The rows start from ``visible_to(user)`` (a subclass that writes its own ``get_queryset`` starts
    there too); the FilterSet (a ScopedFilterSetMixin) offers and accepts only the user's units;
    ``annotate_rows`` adds the sub-selects after the filters; ``export_url_name`` links the export."""

    paginate_by = 50
    # Primary filters shown in the bar; the rest fold under "更多筛选".
    primary_filters = ()
    # Filters that links use (ids, exact names) but a person does not type: not shown as fields,
    # carried along as hidden inputs when the query has them.
    hidden_filters = ("zone", "grid", "parcel_id", "enterprise_id", "assignee", "ticket")
    # Columns whose header sorts the list (names of the FilterSet's ordering choices).
    sort_keys = ()
    # Page by keys first (see paginate_queryset): for lists whose rows join several tables.
    paginate_by_keys = False
    # The URL name of the list's export, which takes the same query string.
    export_url_name = ""

    def paginate_queryset(self, queryset, page_size):
        """Annotate the rows after filtering; with ``paginate_by_keys``, page by keys (core.queries)."""
        queryset = self.annotate_rows(queryset)
        if not self.paginate_by_keys:
            return super().paginate_queryset(queryset, page_size)
        paging = []  # (paginator, page, the page's keys, is_paginated), of the keys

        def page_keys(keys):
            paging.extend(super(ScopedFilterView, self).paginate_queryset(keys, page_size))
            return paging[2]

        rows = page_by_keys(queryset, page_keys)
        paginator, page, _keys, is_paginated = paging
        page.object_list = rows
        return paginator, page, rows, is_paginated

    def get_filterset(self, filterset_class):
        return super().get_filterset(require_scoped(filterset_class))

    def annotate_rows(self, queryset):
        """The list's sub-selects, added after the filters: they run for the page's rows only."""
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        shown = [name for name in form.fields if name not in self.hidden_filters]
        context["primary_fields"] = [form[name] for name in self.primary_filters if name in shown]
        context["more_fields"] = [form[name] for name in shown if name not in self.primary_filters]
        context["hidden_filters"] = [
            (name, value) for name in self.hidden_filters for value in self.request.GET.getlist(name) if value
        ]
        folded = context["primary_fields"][2:] + context["more_fields"]
        context["more_open"] = any(self.request.GET.get(f.name) for f in folded if f.name != "ordering")
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        if self.export_url_name:
            context["export_url"] = f"{reverse(self.export_url_name)}?{context['query']}"
        current = self.request.GET.get("ordering", "")
        context["sort"] = {
            key: {
                "value": f"-{key}" if current == key else key,
                "arrow": "▲" if current == key else ("▼" if current == f"-{key}" else ""),
            }
            for key in self.sort_keys
        }
        return context


def done(request, url, message=""):
    """POST-redirect-GET; a form sent by field.js (XMLHttpRequest) is told where to go instead."""
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return JsonResponse({"redirect": url, "message": str(message)})
    return redirect(url)


def from_outbox(request):
    """A form sent by the phone's outbox (static/js/outbox.js), which reads answers as JSON."""
    return request.headers.get("X-Outbox") == "1"


class OutboxMixin:
    """A field page whose form the phone may keep offline and send later, more than once.

    - the change is made once per client key (``core.idempotency``, form field ``client_id``): a repeat
      gets the first answer (the same page to go to, the same message);
    - ``self.captured_at`` is when the form was filled in (form field ``captured_at``, kept beside the
      time the server received it), or None for now;
    - a form sent by the outbox gets JSON: ``{"redirect", "message"}`` when done, ``{"message",
      "errors"}`` with the refusal's status otherwise, 401 when the session has ended, 404 when the unit
      or ticket is no longer the user's.

    The view calls ``self.once(work)`` where ``work()`` makes the change and returns ``(url, message)``,
    and keeps the refused form in ``self.refused_form`` when it renders one."""

    refused_form = None

    def dispatch(self, request, *args, **kwargs):
        outbox = from_outbox(request)
        if outbox and not request.user.is_authenticated:
            return JsonResponse({"message": _("登录已过期：请重新登录，待发送的记录仍保存在手机上。")}, status=401)
        self.client_key, self.fingerprint, self.captured_at = "", "", None
        if request.method == "POST":
            try:
                self.client_key = idempotency.request_key(request)
                self.captured_at = parse_captured_at(request.POST.get("captured_at", ""))
                answer = None
                if self.client_key and request.user.is_authenticated:
                    # The page's address is part of what is asked (the unit, the ticket).
                    scope = f"{type(self).__name__}:{request.get_full_path()}"
                    self.fingerprint = idempotency.fingerprint(scope, request.POST, request.FILES)
                    answer = idempotency.stored(request.user, self.client_key, self.fingerprint)
            except WorkflowError as exc:
                return self.refusal(request, exc.message, exc.http_status, exc.errors)
            if answer is not None:
                return self.replay(request, answer[1])
        try:
            response = super().dispatch(request, *args, **kwargs)
        except Http404:
            if not outbox:
                raise
            return self.refusal(request, _("找不到该单位或整改单，或它已不在您的负责范围内。"), 404)
        if outbox and response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            texts = [str(m) for m in messages.get_messages(request) if m.level >= messages.WARNING]
            errors = self.refused_form.errors.get_json_data() if self.refused_form is not None else {}
            return JsonResponse(
                {"message": " ".join(texts) or _("提交未被接受。"), "errors": _error_texts(errors)},
                status=response.status_code,
            )
        return response

    def once(self, work):
        """Make the change once for this request's key and answer it (a repeat gets the same answer)."""

        def change():
            url, message = work()
            return 200, {"redirect": url, "message": str(message)}

        _status, answer, replayed = idempotency.run_once(
            self.request.user, self.client_key, type(self).__name__, self.fingerprint, change
        )
        return self.replay(self.request, answer) if replayed else self.answer(self.request, answer)

    def answer(self, request, answer):
        messages.success(request, answer["message"])
        return done(request, answer["redirect"], answer["message"])

    def replay(self, request, answer):
        note = _("这份记录此前已经收到，没有重复记录。")
        if request.headers.get("x-requested-with") == "XMLHttpRequest":
            return JsonResponse({**answer, "replayed": True, "note": note})
        messages.info(request, note)
        return redirect(answer["redirect"])

    def refusal(self, request, message, status, errors=None):
        if from_outbox(request):
            return JsonResponse({"message": str(message), "errors": _error_texts(errors or {})}, status=status)
        messages.error(request, str(message))
        return render(request, "refused.html", {"refusal": str(message)}, status=status)


def _error_texts(errors):
    """{field: [text, …]} from a form's ``get_json_data()`` or a WorkflowError's ``errors``."""
    return {
        name: [str(item["message"]) if isinstance(item, dict) else str(item) for item in items]
        for name, items in errors.items()
    }


def paginate(request, queryset, per_page):
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(request.GET.get("page"))
    return {
        "page_obj": page,
        "paginator": paginator,
        "is_paginated": page.has_other_pages(),
        "object_list": list(page.object_list),
    }


def workflow_refusal(request, form, exc):
    messages.error(request, exc.message)
    if form is not None:
        add_workflow_errors(form, exc)
    return exc.http_status


class CaseActionView(OutboxMixin, LoginRequiredMixin, View):
    """POST one workflow action on one case (a ticket, a service request) from its page.

    The order is the same for every kind: find the case in the user's scope (404 otherwise); answer a
    refused action with its error before reading any input (403/409); a bad form with 400 and the page;
    the service's refusal (WorkflowError) with its status and the page; success with a message and a
    redirect. Subclasses give ``action`` and the hooks: ``find(pk)``, ``refusal(case)`` (None or the
    error), ``render_case(case, bound=None, status=200)``, ``get_form(case)``, ``perform(case, form)``
    (the service's result), ``success_message(case, result)`` and ``success_url(case, result)``.
    A GET goes back to the case's page."""

    action = ""
    http_method_names = ["get", "post"]

    def get(self, request, pk):
        return redirect(self.success_url(self.find(pk), None))

    def post(self, request, pk):
        case = self.find(pk)
        refusal = self.refusal(case)
        if refusal is not None:
            messages.error(request, refusal.message)
            return self.render_case(case, status=refusal.http_status)
        form = self.get_form(case)
        if not form.is_valid():
            messages.error(request, _("请检查填写的内容。"))
            self.refused_form = form
            return self.render_case(case, bound={self.action: form}, status=400)
        try:
            return self.once(lambda: self.change(case, form))
        except WorkflowError as exc:
            status = workflow_refusal(request, form, exc)
            self.refused_form = form
            return self.render_case(self.find(pk), bound={self.action: form}, status=status)

    def change(self, case, form):
        result = self.perform(case, form)
        return self.success_url(case, result), self.success_message(case, result)

    def find(self, pk):
        raise NotImplementedError

    def refusal(self, case):
        raise NotImplementedError

    def render_case(self, case, bound=None, status=200):
        raise NotImplementedError

    def get_form(self, case):
        raise NotImplementedError

    def perform(self, case, form):
        raise NotImplementedError

    def success_message(self, case, result):
        raise NotImplementedError

    def success_url(self, case, result):
        return case.get_absolute_url()
