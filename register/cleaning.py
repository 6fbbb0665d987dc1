"""Clean values as offices type them into spreadsheets."""

import unicodedata

TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "规上", "t"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×", "f", "规下", ""}

# Full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ) to half-width. Chinese punctuation such as
# （）、，： is left alone: it belongs to official names like 永康市某某五金有限公司（分公司）.
_FULL_WIDTH_ALNUM = {
    code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # zero-width characters pasted from the web


def clean_text(value):
    """Full-width letters and digits to half-width, stray spaces (also 　 and NBSP) folded to one."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).translate(_FULL_WIDTH_ALNUM).translate(_INVISIBLE)
    return " ".join(text.split())


def clean_code(value):
    """For codes and phone numbers: every full-width character to half-width (NFKC), e.g. ＺＳＤ－００１."""
    return clean_text(unicodedata.normalize("NFKC", clean_text(value)))


def parse_bool(value):
    """True/False for 是/否 and friends; None when the word is not recognised."""
    word = clean_code(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
