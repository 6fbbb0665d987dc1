"""Chinese names for people, companies, shops, roads and places, drawn from the demo's random generator."""

from register.credit_codes import make_credit_code


def _words(text):
    return text.split()


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢傅钟姜"
    "崔谭陆范汪廖石金韦贾夏方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛郝顾龚邵万武钱戴严莫孔向常汤康易乔赖应楼胡"
)
GIVEN = "伟芳敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华建国志红春梅海燕飞鹏斌波宇浩凯健俊帆鑫晨辉林峰婷雪琳玲萍丹鸿亮永康金锋荣兴旺福祥"
TRADE = _words(
    "星辰 宏达 华美 金盛 恒通 鑫源 永泰 锦程 瑞丰 立新 博远 精工 荣昌 嘉禾 天成 东方 明珠 盈科 鼎力 众合 "
    "正阳 卓越 联创 新昌 富强 兴隆 长城 飞龙 金狮 银河 华鑫 康宁 万达 顺发 德力 汇丰 宝利 隆昌 凯达 振兴 "
    "群英 双龙 海燕 金鹰 中天 大江 通用 利民 佳美 腾飞 恒信 光明 大成 和盛 安达 远航 银鹰 金马 九洲 黄金"
)
INDUSTRY = _words(
    "五金制品 工贸 电器 机械 门业 杯业 电动工具 车业 塑料制品 厨具 工具 铝业 不锈钢制品 精密铸造 表面处理 "
    "电池科技 智能科技 实业 包装 模具"
)
SHOP_KINDS = _words("小吃店 便利店 五金店 理发店 快餐店 出租房 民宿 小超市 建材店 水果店 面馆 早餐店")
ROADS = _words(
    "金山路 花川路 梅陇路 四方路 九里山路 富源路 长城路 黄金大道 华丰路 五金大道 胜利街 工业路 科技路 园区路 "
    "经济路 创业路 望春路 溪心路 南苑路 总部中心路"
)
PLACES = _words("一号车间 二号车间 三号车间 成品仓库 原料仓库 办公楼 员工宿舍 配电房 厂区通道 包装车间 楼梯间 装配车间")
CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n):
    """1..99 in Chinese numerals (一, 十二, 二十)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else CN_DIGITS[tens]}十{CN_DIGITS[ones] if ones else ''}"


class Names:
    def __init__(self, rng):
        self.rng = rng
        self.used = set()
        self.credit_codes = set()

    def person(self):
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _i in range(rng.choice((1, 2, 2))))

    def phone(self):
        return self.rng.choice(("138", "139", "135", "137", "150", "158", "159", "187", "188", "189")) + (
            f"{self.rng.randrange(10**8):08d}"
        )

    def unique(self, make):
        for _attempt in range(20):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        n = 2
        while f"{name}（{n}）" in self.used:
            n += 1
        name = f"{name}（{n}）"
        self.used.add(name)
        return name

    def company(self):
        rng = self.rng

        def make():
            prefix = rng.choices(("永康市", "浙江", "永康", "金华"), weights=(6, 2, 2, 1))[0]
            trade = rng.choice(TRADE) if rng.random() < 0.8 else rng.choice(TRADE) + rng.choice(TRADE)
            suffix = rng.choices(("有限公司", "股份有限公司", "厂"), weights=(10, 1, 2))[0]
            return f"{prefix}{trade}{rng.choice(INDUSTRY)}{suffix}"

        return self.unique(make)

    def shop(self, zone_name):
        rng = self.rng
        return self.unique(lambda: f"{zone_name}{rng.choice(TRADE)}{rng.choice(SHOP_KINDS)}")

    def credit_code(self):
        while True:
            code = make_credit_code(self.rng)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code
