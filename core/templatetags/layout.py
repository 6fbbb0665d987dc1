"""Template helpers of the page layout: the role's menu, URLs of pages that may not exist yet, punctuation."""

from django import template
from django.conf import settings
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from core import text
from core.links import safe_reverse

register = template.Library()


@register.simple_tag
def try_url(name, *args, **query):
    """``{% try_url 'cases:ticket_detail' pk as href %}``: the URL, or "" if the page is not there."""
    return safe_reverse(name, args=args or None, query=query or None)


@register.simple_tag
def photo_max_bytes():
    """The largest photo the server accepts (``PHOTO_MAX_BYTES``), for the pages' check before uploading."""
    return int(settings.PHOTO_MAX_BYTES)


@register.filter
def percent(value, digits=2):
    """A ratio (0–1) as a percentage with ``digits`` decimals; "—" when there is none."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter(is_safe=True)
def colon(label):
    """``{{ _("依据")|colon }}``: the label and its colon, "依据：" or "Legal basis: "."""
    return text.colon(label)


@register.filter(is_safe=True)
def parens(value):
    """``{{ h.location_detail|parens }}``: a remark in brackets after a name, "（二楼）" or " (2nd floor)"."""
    return text.parens(value)


@register.filter(is_safe=True)
def brackets(title):
    """``{{ _("昨日情况")|brackets }}``: a heading of a plain-text message, "【昨日情况】" or "[Yesterday]"."""
    return text.brackets(title)


@register.filter(needs_autoescape=True)
def join_list(items, autoescape=True):
    """``{{ names|join_list }}``: the items joined by "、" in Chinese, ", " in English."""
    escape = conditional_escape if autoescape else str
    return mark_safe(escape(text.list_separator()).join(escape(item) for item in items))


@register.filter
def md(value):
    """``{{ name|md }}``: user data in a robot's markdown message, shown as written, never a link or an image
    (core.text.markdown_text)."""
    return text.markdown_text(value)
