"""Forms of the sign-in pages: the first sign-in of an account opened with an activation code."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.activation import ActivationRefused, pending_user


class FirstSignInForm(forms.Form):
    """Mobile number + one-time activation code, then the new password (twice, Django's validators)."""

    mobile = forms.CharField(
        label=_("手机号"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "tel"})
    )
    code = forms.CharField(
        label=_("激活码"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    new_password1 = forms.CharField(
        label=_("设置密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("再次输入密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    user = None

    def clean(self):
        cleaned = super().clean()
        mobile, code = cleaned.get("mobile"), cleaned.get("code")
        if not mobile or not code:
            return cleaned
        try:
            self.user = pending_user(mobile, code)
        except ActivationRefused as exc:
            raise forms.ValidationError(exc.message, code="wrong_code") from None
        password1, password2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if password1 and password2:
            if password1 != password2:
                self.add_error("new_password2", forms.ValidationError(_("两次输入的密码不一致。"), code="mismatch"))
            else:
                try:
                    password_validation.validate_password(password1, self.user)
                except forms.ValidationError as error:
                    self.add_error("new_password1", error)
        return cleaned
