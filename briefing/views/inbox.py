"""The in-app message centre: a user's own messages (never another's: their ids answer 404), marking them
read, and how the user wants to be reached (OutreachPreference)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from briefing import outreach
from briefing.models import InboxMessage, OutreachPreference


class PreferenceForm(forms.ModelForm):
    sms = forms.BooleanField(label=gettext_lazy("短信"), required=False)

    class Meta:
        model = OutreachPreference
        fields = ["inbox", "robots", "sms"]


def _preference_initial(user):
    preference = OutreachPreference.objects.filter(user=user).first()
    return preference, {
        "inbox": outreach.wants(user, preference, outreach.INBOX),
        "robots": outreach.wants(user, preference, "robots"),
        "sms": outreach.wants(user, preference, outreach.SMS),
    }


class InboxView(LoginRequiredMixin, ListView):
    template_name = "briefing/inbox.html"
    paginate_by = 50
    context_object_name = "inbox"

    def get_queryset(self):
        return InboxMessage.objects.of(self.request.user).select_related("ticket", "parcel")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for message in context["inbox"]:
            message.title = outreach.title(message.kind)
            message.text = outreach.text(message.kind, message.data)
        user = self.request.user
        _preference, initial = _preference_initial(user)
        context["preference_form"] = PreferenceForm(initial=initial)
        context["mobile"] = outreach.mobile_of(user)
        context["unread"] = InboxMessage.objects.of(user).unread().count()
        return context


def _next(request, default):
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


class MarkReadView(LoginRequiredMixin, View):
    """POST: mark one of the user's messages read (another user's answers 404), then go on to ``next``."""

    def post(self, request, pk):
        message = get_object_or_404(InboxMessage.objects.of(request.user), pk=pk)
        if message.read_at is None:
            InboxMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now())
        return redirect(_next(request, reverse("briefing:inbox")))


class MarkAllReadView(LoginRequiredMixin, View):
    def post(self, request):
        count = InboxMessage.objects.of(request.user).unread().update(read_at=timezone.now())
        if count:
            messages.success(request, _("已将 %(count)d 条消息标为已读。") % {"count": count})
        return redirect("briefing:inbox")


class PreferenceView(LoginRequiredMixin, View):
    def post(self, request):
        preference, _initial = _preference_initial(request.user)
        form = PreferenceForm(request.POST, instance=preference or OutreachPreference(user=request.user))
        if form.is_valid():
            form.save()
            messages.success(request, _("通知设置已保存。"))
        return redirect("briefing:inbox")
