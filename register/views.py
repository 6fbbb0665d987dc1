"""The register pages: the parcel and enterprise lists (filters, multi-tenant badge, open hazards,
close-out colour); each unit's page (facts, open hazards, its history of inspections, tickets and
cross-checks — the inspector's unit page too); the spreadsheet import (upload, every row problem
before anything is written, then confirm); the parcel close-out desk (request a cross-check, see the
ones waiting, see the results).

Every queryset starts from ``visible_to(request.user)``; a foreign unit answers 404. List pages run
a constant number of queries: counts are scalar sub-selects on the page's rows only.
"""

import secrets
import time
from pathlib import Path

from django.contrib import messages
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.mixins import RoleRequiredMixin
from accounts.policy import Action
from core.text import join_clauses
from register.forms import RegisterImportForm
from register.importer import COLUMNS, ImportFailed, Problem, RegisterImporter

# --- the import page -----------------------------------------------------------------------------


SESSION_KEY = "register_imports"
IMPORT_TTL_SECONDS = 24 * 3600
TOKEN_LENGTH = 32


IMPORTS_FOLDER = "imports"


def stored_imports():
    """The names of the uploads waiting for confirmation, in the file storage (the local disk or the
    bucket of STORAGE_URL, so that any app server can confirm what another one checked)."""
    try:
        _folders, files = default_storage.listdir(IMPORTS_FOLDER)
    except FileNotFoundError:
        return []
    return [f"{IMPORTS_FOLDER}/{name}" for name in files]


def _prune(request):
    """Forget this session's uploads older than a day, and delete any such file left by others."""
    now = time.time()
    entries = request.session.get(SESSION_KEY, {})
    for token in [t for t, e in entries.items() if now - e.get("created", 0) > IMPORT_TTL_SECONDS]:
        entries.pop(token, None)
    request.session[SESSION_KEY] = entries
    for name in stored_imports():
        try:
            if now - default_storage.get_modified_time(name).timestamp() > IMPORT_TTL_SECONDS:
                default_storage.delete(name)
        except Exception:  # noqa: BLE001 - best effort: another server may have removed it first
            pass


def _entry(request, token):
    """The session's upload for ``token`` (404 when it is not this session's)."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None or len(token) != TOKEN_LENGTH:
        raise Http404
    return entry


def _forget(request, token):
    entries = request.session.get(SESSION_KEY, {})
    entry = entries.pop(token, None)
    request.session[SESSION_KEY] = entries
    if entry:
        default_storage.delete(f"{IMPORTS_FOLDER}/{entry['file']}")


def _store(upload):
    """Keep the checked upload as imports/<token><suffix> in the file storage; return (token, its file name)."""
    token = secrets.token_hex(TOKEN_LENGTH // 2)
    suffix = Path(upload.name or "").suffix.lower()[:8]
    upload.seek(0)
    name = default_storage.save(f"{IMPORTS_FOLDER}/{token}{suffix}", upload)
    return token, name.rsplit("/", 1)[-1]


class ImportAccessMixin(RoleRequiredMixin):
    action = Action.REGISTER_IMPORT
    refusal_message = gettext_lazy("导入台账仅供负责全区的交办/安监人员和系统管理员使用。")


def import_page(request, *, form=None, problems=None, entry=None, token=None, status=200):
    context = {
        "form": form or RegisterImportForm(),
        "problems": problems,
        "entry": entry,
        "token": token,
        "columns": [column.header for column in COLUMNS],
    }
    return render(request, "register/import.html", context, status=status)


class RegisterImportView(ImportAccessMixin, View):
    """Upload a spreadsheet: it is checked in full (a dry run) and nothing is written yet."""

    def get(self, request):
        return import_page(request)

    def post(self, request):
        form = RegisterImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("请选择要导入的文件。"))
            return import_page(request, form=form, status=400)
        upload = form.cleaned_data["file"]
        _prune(request)
        try:
            summary = RegisterImporter(upload, filename=upload.name).run(dry_run=True)
        except ImportFailed as exc:
            messages.error(request, exc.message)
            problems = exc.problems or [Problem(None, "", "", exc.message)]
            return import_page(request, form=form, problems=problems, status=400)
        token, stored = _store(upload)
        entries = request.session.get(SESSION_KEY, {})
        entries[token] = {
            "file": stored,
            "name": Path(upload.name).name[:200],
            "size": upload.size,
            "rows": summary.rows,
            "lines": summary.lines(),
            "ignored": list(summary.ignored_columns),
            "new_zones": list(summary.new_zones),
            "new_grids": list(summary.new_grids),
            "new_units": summary.new_unit_lines(),
            "created": time.time(),
        }
        request.session[SESSION_KEY] = entries
        return redirect("register:import_preview", token=token)


class ImportPreviewView(ImportAccessMixin, View):
    """The checked file: what the import will do; confirm or cancel."""

    def get(self, request, token):
        return import_page(request, entry=_entry(request, token), token=token)


class ImportConfirmView(ImportAccessMixin, View):
    """确认导入: the same importer runs again, for real, in one transaction (all or nothing)."""

    def get(self, request, token):
        return redirect("register:import_preview", token=token)

    def post(self, request, token):
        entry = _entry(request, token)
        try:
            stored = default_storage.open(f"{IMPORTS_FOLDER}/{entry['file']}", "rb")
        except FileNotFoundError:
            _forget(request, token)
            messages.error(request, _("上传的文件已过期，请重新上传。"))
            return redirect("register:import")
        new_units = entry.get("new_units")
        if new_units and not request.POST.get("confirm_new_units"):
            stored.close()
            messages.error(request, _("本次导入将新建区块或网格，请核对名称后勾选确认再导入。"))
            return import_page(request, entry=entry, token=token, status=400)
        try:
            with stored, transaction.atomic():
                summary = RegisterImporter(stored, filename=entry["name"]).run()
                if not (set(summary.new_zones) <= set(entry.get("new_zones", ()))) or not (
                    set(summary.new_grids) <= set(entry.get("new_grids", ()))
                ):
                    # The register changed since the preview: never create a zone or grid nobody confirmed.
                    raise ImportFailed(
                        _("台账在预览后发生了变化，将新建的区块或网格与预览不同，未写入任何数据。请重新上传。")
                    )
        except ImportFailed as exc:
            _forget(request, token)
            messages.error(request, exc.message)
            problems = exc.problems or [Problem(None, "", "", exc.message)]
            return import_page(request, problems=problems, status=400)
        _forget(request, token)
        messages.success(
            request,
            _("导入完成：共 %(rows)d 行。%(lines)s")
            % {"rows": summary.rows, "lines": join_clauses(summary.lines() + summary.new_unit_lines())},
        )
        return redirect("cases:parcel_list")


class ImportCancelView(ImportAccessMixin, View):
    def post(self, request, token):
        _entry(request, token)
        _forget(request, token)
        messages.info(request, _("已取消导入，未写入任何数据。"))
        return redirect("register:import")
