from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.generic import FormView

from accounts.activation import ActivationRefused, activate
from accounts.forms import FirstSignInForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Signing out also clears what this browser keeps for the field app offline (the outbox, kept pages,
    the service worker): ``Clear-Site-Data``; static/js/offline.js clears them first, asking when records
    are unsent."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"storage"'
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class FirstSignInView(FormView):
    """首次登录: an account opened from the register sets its password with its activation code."""

    template_name = "accounts/first_sign_in.html"
    form_class = FirstSignInForm

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = activate(form.user, data["code"], data["new_password1"])
        except ActivationRefused as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, _("密码已设置，账号已激活。以后请用手机号和此密码登录。"))
        return redirect("home")
