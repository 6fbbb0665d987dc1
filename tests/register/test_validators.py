import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from register.cleaning import clean_code, clean_text, parse_bool
from register.credit_codes import make_credit_code
from register.validators import credit_code_error, normalize_credit_code, validate_credit_code

# Credit codes of real, registered enterprises (public on their business licences), checked with python-stdnum.
REAL_CODES = [
    "91110000600037341L",  # the example of GB 32100-2015 in python-stdnum
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "914403001922038216",  # 华为技术有限公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "91330000747735638J",  # 浙江吉利控股集团有限公司
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_are_valid(code):
    assert uscc.is_valid(code)
    assert credit_code_error(code) is None
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("９１１１００００６０００３７３４１Ｌ", "91110000600037341L"),  # full-width, as an IME types it
        (" 9144 0300 7152 6726 XG ", "9144030071526726XG"),
        ("91330100-799655058b", "91330100799655058B"),
    ],
)
def test_codes_as_offices_type_them_are_normalised_and_valid(typed, code):
    assert normalize_credit_code(typed) == code
    assert credit_code_error(typed) is None


def test_generated_codes_are_valid():
    codes = {make_credit_code() for _ in range(200)}
    assert all(credit_code_error(code) is None for code in codes)
    assert all(code.startswith("91330784") for code in codes)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91110000600037341", "统一社会信用代码应为18位，实际为17位。"),
        ("91110000600037341LX", "统一社会信用代码应为18位，实际为19位。"),
        ("91110000600037341I", "统一社会信用代码格式错误"),  # I is not in the alphabet
        ("9111000060003734OL", "统一社会信用代码格式错误"),  # nor O
        ("A1110000600037341L", "统一社会信用代码格式错误"),  # the first eight are digits
        ("91110000600037341M", "统一社会信用代码校验位错误：末位应为 L，实际为 M。"),
        ("9144030071526726XH", "统一社会信用代码校验位错误：末位应为 G，实际为 H。"),
        ("914403001922038217", "统一社会信用代码校验位错误：末位应为 6，实际为 7。"),
    ],
)
def test_invalid_codes_say_what_is_wrong(code, message):
    error = credit_code_error(code)
    assert error is not None and error.startswith(message)
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert excinfo.value.messages == [error]


def test_transposed_digits_are_caught_by_the_checksum():
    code = REAL_CODES[0]
    swapped = code[:13] + code[14] + code[13] + code[15:]  # 37 -> 73
    assert swapped != code
    assert "校验位错误" in credit_code_error(swapped)


def test_empty_code_is_allowed_by_the_field_validator():
    validate_credit_code("")
    validate_credit_code(None)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("  永康　五金  有限公司 ", "永康 五金 有限公司"),
        ("永康市ＸＹ五金有限公司（分公司）", "永康市XY五金有限公司（分公司）"),  # Chinese punctuation stays
        ("永康\u200b五金\xa0厂", "永康五金 厂"),
        (25.0, "25"),
        (None, ""),
    ],
)
def test_clean_text(value, text):
    assert clean_text(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [("ＺＳＤ－００１", "ZSD-001"), ("０５７９－８７００００００", "0579-87000000"), (13800000000, "13800000000")],
)
def test_clean_code(value, text):
    assert clean_code(value) == text


@pytest.mark.parametrize(
    ("value", "result"), [("是", True), ("否", False), (" 是 ", True), ("Ｙ", True), ("也许", None)]
)
def test_parse_bool(value, result):
    assert parse_bool(value) is result


def test_the_model_validator_names_the_standard_form_of_an_unnormalised_code():
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("91330100-799655058b")
    assert excinfo.value.messages == [
        "统一社会信用代码请用半角大写字母和数字填写，不含空格和横线：91330100799655058B。"
    ]
