"""提醒未签订的责任方: a manager, from the letters' coverage page, reminds the parties of their scope whose
letters of the year are not signed (briefing.letter_reminders); once per account and day."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.choices import Role
from accounts.mixins import RoleRequiredMixin
from briefing import letter_reminders
from briefing.tasks import deliver_message_task
from core.errors import ValidationFailed
from ledgers import letters


class LetterRemindView(RoleRequiredMixin, View):
    roles = (Role.MANAGER,)
    refusal_message = gettext_lazy("只有交办/安监人员可以提醒责任方。")

    def get(self, request):
        return redirect("ledgers:letter_coverage")

    def post(self, request):
        try:
            year = letters.clean_year(request.POST.get("year") or letters.current_year())
        except ValidationFailed as exc:
            messages.error(request, exc.message)
            return redirect("ledgers:letter_coverage")
        pending, reminded, before = letter_reminders.plan(year, actor=request.user)
        for delivery_id in pending:
            deliver_message_task.delay_on_commit(delivery_id)
        if reminded:
            messages.success(request, _("已向 %(count)d 个责任方账号发送提醒。") % {"count": reminded})
        if before:
            messages.info(request, _("%(count)d 个账号今天已提醒过，不再重复发送。") % {"count": before})
        if not reminded and not before:
            messages.info(request, _("未签订的责任方都没有账号，无法发送提醒。"))
        url = reverse("ledgers:letter_coverage")
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else f"{url}?year={year}")
