"""Clean values as offices type them into spreadsheets."""

import unicodedata

TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "规上", "t"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×", "f", "规下", ""}


def clean_text(value):
    """Full-width letters, digits and spaces to half-width (NFKC), stray spaces folded."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.replace("\u3000", " ").split())


def parse_bool(value):
    """True/False for 是/否 and friends; None when the word is not recognised."""
    word = clean_text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
