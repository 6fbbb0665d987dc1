"""Make valid unified social credit codes (for demo data and tests)."""

import random

from stdnum.cn import uscc

# 9 = registered with the market regulator, 1 = enterprise; 330784 = 永康市
PREFIX = "91330784"


def make_credit_code(rng=None, prefix=PREFIX):
    rng = rng or random
    body = prefix + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(17 - len(prefix)))
    return body + uscc.calc_check_digit(body)
