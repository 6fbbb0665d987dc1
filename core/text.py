"""Punctuation that differs between Chinese and English, translated like any other text.

Chinese writes full-width marks with no spaces around them ("房东：张三", "甲、乙", "张三（梅陇）");
English writes "Landlord: Zhang San", "A, B", "Zhang San (Meilong)". The marks are msgids of their own
("：" → ": "), so every language the catalogue gains gets them right too. Templates use the same
through the ``colon``, ``parens``, ``brackets`` and ``join_list`` filters of ``inspections/templatetags/layout.py``,
and ``{% trans "；" %}`` for a mark standing alone.
"""

from django.utils.translation import gettext


def list_separator():
    # Translators: the separator between the items of a list ("甲、乙、丙" → "A, B, C").
    return gettext("、")


def join_list(items):
    """The items (strings, labels, numbers) as one list in the active language: "甲、乙" / "A, B"."""
    return list_separator().join(str(item) for item in items)


def join_clauses(items):
    """Clauses of one sentence, each complete in itself: "企业：新增 4；宗地：新增 3" / "…; …"."""
    # Translators: the separator between the clauses of a sentence ("甲；乙" → "A; B").
    return gettext("；").join(str(item) for item in items)


def colon(label):
    """``label`` followed by the colon of a label: "房东：" / "Landlord: "."""
    # Translators: the colon after a label ("房东：张三" → "Landlord: Zhang San").
    return str(label) + gettext("：")


def parens(text):
    """``text`` in brackets, written right after what it qualifies: "（梅陇）" / " (Meilong)"."""
    # Translators: brackets around a remark that follows a name ("张三（梅陇）" → "Zhang San (Meilong)").
    return gettext("（%(text)s）") % {"text": text}


def brackets(title):
    """A heading of a plain-text message in brackets: "【昨日情况】" / "[Yesterday]"."""
    # Translators: the brackets around a heading of a plain-text e-mail ("【昨日情况】" → "[Yesterday]").
    return gettext("【%(title)s】") % {"title": title}


# Characters that make markup in the group robots' markdown (WeCom, DingTalk, Feishu): links and images
# ([x](url), ![x](url)), emphasis, code, headings, quotes, tables, HTML. Neither WeCom nor DingTalk documents
# backslash escapes, so each becomes its full-width twin, which every robot shows as plain text.
_MARKDOWN_TWINS = str.maketrans(
    {
        "[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "*": "＊", "_": "＿", "`": "｀",
        "#": "＃", "!": "！", "|": "｜", "~": "～", "\\": "＼", "\r": " ", "\n": " ",
    }
)  # fmt: skip


def markdown_text(value):
    """User data (a name, a number) for a robot's markdown message: shown as written, never markup.

    Markup characters become their full-width twins, line breaks spaces (a name cannot start a heading
    or a list), and "://" is broken so that no robot turns a URL inside a name into a link. The one
    function every markdown message the product sends puts its user data through (template filter ``md``)."""
    if value is None:
        return ""
    return str(value).translate(_MARKDOWN_TWINS).replace("://", "：//")
