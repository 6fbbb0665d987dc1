"""Unified social credit code (统一社会信用代码), GB 32100-2015; phone numbers as the register holds them."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

from register.cleaning import clean_code


def normalize_credit_code(value):
    """Full-width to half-width, spaces and dashes removed, upper case."""
    return clean_code(value).replace(" ", "").replace("-", "").upper()


def credit_code_error(value):
    """Why ``value`` is not a valid credit code, or None when it is."""
    code = normalize_credit_code(value)
    try:
        uscc.validate(code)
    except InvalidLength:
        return _("统一社会信用代码应为18位，实际为%(n)d位。") % {"n": len(code)}
    except InvalidFormat:
        return _("统一社会信用代码格式错误：前8位应为数字，其余位只能是数字或除 I、O、Z、S、V 以外的大写字母。")
    except InvalidChecksum:
        expected = uscc.calc_check_digit(code[:17])
        return _("统一社会信用代码校验位错误：末位应为 %(expected)s，实际为 %(actual)s。") % {
            "expected": expected,
            "actual": code[17],
        }
    return None


def validate_credit_code(value):
    """The model's validator: a valid code, stored as written in the standard (half-width, upper case).

    Inputs that accept what people type (the import, a form's clean_credit_code) normalise first;
    a value that reaches the model un-normalised gets a message naming the form to store.
    """
    if value in (None, ""):
        return
    error = credit_code_error(value)
    if error:
        raise ValidationError(error, code="invalid_credit_code")
    code = normalize_credit_code(value)
    if value != code:
        raise ValidationError(
            _("统一社会信用代码请用半角大写字母和数字填写，不含空格和横线：%(code)s。") % {"code": code},
            code="credit_code_not_normalized",
        )


# --- phone numbers ---------------------------------------------------------------------------------

MOBILE_RE = re.compile(r"^(?:\+?86)?1\d{10}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")  # 021-12345678, 0512-1234567, an extension
PHONE_SEPARATORS = re.compile(r"[/、,，;；]+")


def phone_error(value):
    """Why ``value`` is not a phone number the register can hold, or None (also for an empty value).

    A mainland mobile (11 digits starting with 1) or a landline with its area code; spaces are ignored,
    ``（0579）87654321`` reads as 0579-87654321, and several numbers may be separated by / 、 , or ;."""
    text = clean_code(value)
    if not text:
        return None
    for number in PHONE_SEPARATORS.split(text):
        compact = re.sub(r"\s", "", number)
        compact = re.sub(r"^\((0\d{2,3})\)", r"\1-", compact)
        if not compact:
            continue
        if not (MOBILE_RE.match(compact) or LANDLINE_RE.match(compact)):
            return _(
                "电话号码格式不正确：应为以1开头的11位手机号，或带区号的固定电话（如 021-12345678、0512-1234567）。"
            )
    return None
