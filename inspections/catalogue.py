"""The shipped hazard catalogue (隐患类别) and checklists (检查表), as plain data.

Loaded by the data migration ``inspections/migrations/0002_catalogue.py`` and re-applied by
``manage.py load_catalogue``. Both call ``load_catalogue`` with the models to use (historical
models in the migration), so this module imports no model and must only touch fields that
exist at that migration. Rows are matched by code (categories, checklists) and by
(checklist, order) (checklist items): loading twice changes nothing, and a row an admin
switched off (``active``) stays off.

Codes: ``P..`` parcel-level categories (the landlord answers for them: illegal construction,
"三合一" living, fire passages, the landlord's duties to tenants), ``E..`` enterprise-level.
``default_severity`` is ``major`` where the 2023 national criteria (《工贸企业重大事故隐患判定
标准》, 应急管理部令第10号) or the fire rules single the situation out as a major hazard;
an inspector may still set a hazard's own severity. Values of ``level``, ``default_severity``,
``accident_type`` and ``risk_tag`` are the codes of inspections.choices / enterprises.choices
(tests check them), kept as strings so that renaming an enum cannot break the migration.
"""

from collections import Counter

# Citations used more than once.
WORK_SAFETY_LAW = "《中华人民共和国安全生产法》"
FIRE_LAW = "《中华人民共和国消防法》"
MAJOR_CRITERIA = "《工贸企业重大事故隐患判定标准》（应急管理部令第10号）"
DUST_RULES = "《工贸企业粉尘防爆安全规定》（应急管理部令第6号）"
CONFINED_RULES = "《工贸企业有限空间作业安全规定》（应急管理部令第13号）"
FIRE_CODE = "《建筑设计防火规范》GB 50016-2014（2018年版）"
DUST_CODE = "《粉尘防爆安全规程》GB 15577-2018"
WELDING_CODE = "《焊接与切割安全》GB 9448-1999"


def _steps(*steps):
    return "\n".join(f"{number}. {step}" for number, step in enumerate(steps, start=1))


def _basis(*citations):
    return "；".join(citations)


CATEGORIES = [
    # --- Parcel level: the landlord (房东) of the parcel answers for these -------------------------
    {
        "code": "P01",
        "name": "违章搭建（违法建筑、违规搭建棚房）",
        "level": "parcel",
        "default_severity": "general",
        "deadline_days": 30,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(
            "《中华人民共和国城乡规划法》第四十条、第六十四条",
            f"{FIRE_LAW}第二十八条（不得占用防火间距）",
            FIRE_CODE,
        ),
        "standard_measures": _steps(
            "停止在建的违章搭建，房东对宗地内违章建（构）筑物逐一登记造册，明确拆除时限；",
            "拆除违规搭建的彩钢板棚、夹层、隔间，恢复原有建筑布局和防火间距；",
            "确需保留的依法补办规划、消防手续，办结前不得投入使用或出租；",
            "拆除期间落实动火、高处作业安全措施，及时清理拆除后的可燃物；",
            "整改完成后拍照留档，报网格员验收。",
        ),
    },
    {
        "code": "P02",
        "name": "生产经营储存场所违规住人（“三合一”）",
        "level": "parcel",
        "default_severity": "major",
        "deadline_days": 3,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{FIRE_LAW}第十九条",
            f"{WORK_SAFETY_LAW}第四十二条",
            "《重大火灾隐患判定方法》GB 35181-2017",
            "《住宿与生产储存经营合用场所消防安全技术要求》XF 703-2007",
        ),
        "standard_measures": _steps(
            "立即清理生产、储存、经营场所内的住宿人员，拆除床铺等住宿设施；",
            "另行安排符合消防安全要求的员工宿舍，宿舍与生产、储存、经营场所分设在不同建筑内；",
            "生产、储存、经营易燃易爆危险品的场所一律不得与居住场所设置在同一建筑物内；",
            "其他场所确需与居住场所设在同一建筑内的，按国家工程建设消防技术标准采用不燃烧体实体墙完全分隔，"
            "设置独立的疏散通道和安全出口，安装火灾自动报警或独立式感烟火灾探测报警器；",
            "房东与承租单位签订不住人承诺，纳入日常巡查，防止反弹。",
        ),
    },
    {
        "code": "P03",
        "name": "消防车通道、公共疏散通道或安全出口堵塞、占用",
        "level": "parcel",
        "default_severity": "general",
        "deadline_days": 3,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{FIRE_LAW}第十六条第一款第（四）项、第十八条、第二十八条",
            f"{WORK_SAFETY_LAW}第四十二条",
        ),
        "standard_measures": _steps(
            "立即清理占用消防车通道、公共疏散通道、楼梯间和安全出口的货物、车辆和杂物；",
            "拆除锁闭安全出口的铁链、门闩，常闭式防火门保持关闭并能从内部徒手开启；",
            "消防车通道施划标线，设置“消防车通道 禁止占用”警示标志；",
            "房东明确公共区域管理责任人，纳入每日巡查；",
            "整改后拍照留档，报网格员验收。",
        ),
    },
    {
        "code": "P04",
        "name": "出租方未对承租单位统一协调、管理或未定期进行安全检查",
        "level": "parcel",
        "default_severity": "major",
        "deadline_days": 15,
        "accident_type": "other",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{WORK_SAFETY_LAW}第四十九条",
            f"{MAJOR_CRITERIA}第三条第（一）项",
            f"{FIRE_LAW}第十八条",
        ),
        "standard_measures": _steps(
            "与每家承租单位签订专门的安全生产管理协议，或在租赁合同中约定各自的安全生产管理职责；",
            "核查承租单位的安全生产条件，不得将场所出租给不具备安全生产条件的单位或个人；",
            "明确宗地安全管理责任人，对共用的消防车通道、疏散通道、安全出口和消防设施实行统一管理；",
            "建立定期安全检查制度（至少每月一次），检查记录存档，发现问题书面督促承租单位整改；",
            "建立承租单位台账（单位名称、负责人、联系电话、租用区域、主要风险）并及时更新。",
        ),
    },
    {
        "code": "P05",
        "name": "宗地共用消防设施（消火栓、消防水源、自动消防系统）缺失或损坏",
        "level": "parcel",
        "default_severity": "general",
        "deadline_days": 15,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{FIRE_LAW}第十六条、第十八条、第二十八条",
            "《消防给水及消火栓系统技术规范》GB 50974-2014",
        ),
        "standard_measures": _steps(
            "委托消防设施维保单位对室内外消火栓、消防水泵、自动喷水灭火和火灾报警系统进行检测维修；",
            "补齐缺失的消火栓水带、水枪，恢复消防水池、水箱的设计水位；",
            "清理埋压、圈占、遮挡消火栓的杂物；",
            "建筑消防设施每年至少全面检测一次，检测记录存档备查；",
            "设施恢复后进行试水和联动测试并留存记录。",
        ),
    },
    {
        "code": "P06",
        "name": "宗地公共区域电动自行车违规停放、充电（楼梯间、疏散通道、宿舍内）",
        "level": "parcel",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(f"{FIRE_LAW}第十六条、第二十八条"),
        "standard_measures": _steps(
            "立即清理楼梯间、疏散通道、安全出口和宿舍内停放的电动自行车及电池；",
            "禁止“飞线”充电、入户充电，拆除私拉的充电线路；",
            "在室外或独立区域设置集中停放充电场所，配备具有定时断电、过充保护功能的充电设施；",
            "集中充电场所与建筑保持安全距离或采取防火分隔，配置灭火器和视频监控；",
            "张贴安全提示，纳入房东日常巡查。",
        ),
    },
    {
        "code": "P07",
        "name": "厂房分隔出租破坏防火分隔或占用防火间距",
        "level": "parcel",
        "default_severity": "general",
        "deadline_days": 30,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(f"{FIRE_LAW}第十六条第一款第（四）项、第二十八条", FIRE_CODE),
        "standard_measures": _steps(
            "拆除采用易燃可燃材料（如聚苯乙烯夹芯彩钢板）分隔的隔间，改用不燃材料分隔；",
            "恢复被破坏的防火墙、防火门、防火卷帘等防火分隔设施；",
            "清理防火间距内的搭建物和堆放物；",
            "分隔出租后确保每个承租区域有符合要求的安全出口和疏散通道；",
            "改造涉及建筑消防设计的，依法办理消防设计审查、验收或备案。",
        ),
    },
    # --- Enterprise level: fire and electrical --------------------------------------------------------
    {
        "code": "E01",
        "name": "灭火器等消防器材缺失、失效或配置不足",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{FIRE_LAW}第十六条第一款第（二）项、第二十八条",
            "《建筑灭火器配置设计规范》GB 50140-2005",
        ),
        "standard_measures": _steps(
            "按场所火灾危险等级补配灭火器（每个计算单元不少于2具），放置在明显、便于取用的位置；",
            "更换压力不足、过期、损坏的灭火器，送有资质的单位维修或报废；",
            "清理遮挡、挪用消防器材的杂物；",
            "建立消防器材台账，每月检查并记录；",
            "组织员工学会使用灭火器。",
        ),
    },
    {
        "code": "E02",
        "name": "消防应急照明、疏散指示标志缺失或损坏",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{FIRE_LAW}第十六条第一款第（二）项",
            f"{FIRE_CODE}第10.3节",
            "《消防应急照明和疏散指示系统技术标准》GB 51309-2018",
        ),
        "standard_measures": _steps(
            "在疏散走道、楼梯间、安全出口处补装消防应急照明灯具和疏散指示标志；",
            "更换不亮、蓄电池失效的灯具，切断正常电源测试应急持续时间符合要求；",
            "疏散指示标志设在安全出口上方和疏散走道及其转角处距地面1.0m以下的墙面或地面上；",
            "每月检查一次并记录。",
        ),
    },
    {
        "code": "E03",
        "name": "电气线路私拉乱接、插座串接",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{FIRE_LAW}第二十七条",
            "《低压配电设计规范》GB 50054-2011",
            "《用电安全导则》GB/T 13869-2017",
        ),
        "standard_measures": _steps(
            "拆除私拉乱接的临时线路和串接的多用插座（“飞线”）；",
            "由持证电工按用电负荷重新敷设线路，穿管或线槽保护，不得直接敷设在可燃物上；",
            "大功率设备使用专用回路和插座；",
            "配电箱周围不得堆放可燃物，保持操作通道畅通；",
            "建立用电安全检查制度，每月检查并记录。",
        ),
    },
    {
        "code": "E04",
        "name": "老旧厂房电气线路老化、绝缘破损或配电箱不规范",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 15,
        "accident_type": "fire",
        "risk_tag": "old_wiring",
        "legal_basis": _basis(
            f"{FIRE_LAW}第二十七条",
            f"{FIRE_CODE}第10.2节",
            "《低压配电设计规范》GB 50054-2011",
        ),
        "standard_measures": _steps(
            "委托专业电气检测单位对厂房电气线路进行全面检测（含红外测温、绝缘电阻测试），出具检测报告；",
            "更换老化、绝缘破损、过载发热的线路和开关，花线、护套破损线等不合规线路一律更换；",
            "配电箱加装箱门、门锁和标识，箱内接线规范，做到一机一闸一漏保；",
            "线路穿金属管或阻燃线槽敷设，不在可燃材料上直接敷设；",
            "建立电气线路定期检测制度。",
        ),
    },
    {
        "code": "E05",
        "name": "剩余电流（漏电）保护装置缺失、失效或设备外壳未接地",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "electrocution",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{WORK_SAFETY_LAW}第三十六条",
            "《剩余电流动作保护装置安装和运行》GB/T 13955-2017",
            "《低压配电设计规范》GB 50054-2011",
        ),
        "standard_measures": _steps(
            "在配电箱及移动式、手持式电动工具回路加装剩余电流动作保护装置，每月按试验按钮测试并记录；",
            "设备金属外壳可靠接地（接零），接地电阻符合要求；",
            "更换失效的漏电保护器；",
            "电气安装、维修由持证电工进行。",
        ),
    },
    {
        "code": "E36",
        "name": "车间、仓库、店铺疏散通道或安全出口堵塞、锁闭",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 3,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{FIRE_LAW}第十六条第一款第（四）项、第二十八条",
            f"{WORK_SAFETY_LAW}第四十二条",
        ),
        "standard_measures": _steps(
            "立即清理占用疏散通道、安全出口的货物和杂物，保持通道净宽符合要求；",
            "拆除锁闭安全出口的锁具、铁链，生产经营期间安全出口不得锁闭；",
            "在地面施划疏散通道标线；",
            "每日班前检查并记录。",
        ),
    },
    {
        "code": "E35",
        "name": "生产经营场所内电动自行车或其电池违规停放、充电",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 3,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(f"{FIRE_LAW}第十六条、第二十八条"),
        "standard_measures": _steps(
            "立即将电动自行车及其电池移出车间、仓库、店铺和疏散通道；",
            "禁止在生产经营场所内“飞线”充电和无人值守充电；",
            "在室外安全区域设置集中停放充电点，使用具备定时断电、过充保护功能的充电设施；",
            "对员工开展电动自行车火灾风险教育。",
        ),
    },
    {
        "code": "E33",
        "name": "经营场所（沿街店铺、小作坊）与居住场所未有效分隔（店内住人）",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 3,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{FIRE_LAW}第十九条",
            "《住宿与生产储存经营合用场所消防安全技术要求》XF 703-2007",
        ),
        "standard_measures": _steps(
            "清除经营场所内的住宿床铺，人员另行安排住宿；",
            "确需保留居住的，居住部分与经营部分采用不燃烧体实体墙完全分隔，设置独立的疏散楼梯或出口；",
            "居住部分安装独立式感烟火灾探测报警器和应急照明，配置灭火器；",
            "外窗不得设置影响逃生的防盗网，确需设置的应预留逃生口。",
        ),
    },
    {
        "code": "E34",
        "name": "瓶装液化石油气或管道燃气使用不规范（钢瓶与用火同室未隔离、软管老化、无泄漏报警）",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 3,
        "accident_type": "other_explosion",
        "risk_tag": None,
        "legal_basis": _basis("《城镇燃气管理条例》", "《燃气工程项目规范》GB 55009-2021"),
        "standard_measures": _steps(
            "使用检验合格、来源可追溯的液化石油气钢瓶，严禁使用过期、报废钢瓶；",
            "更换老化、龟裂的燃气软管，安装可燃气体泄漏报警器和自动切断装置；",
            "钢瓶不得存放在地下室、半地下室及人员密集场所，不得超量储存；",
            "用气区域保持通风，不得卧放、倒置或加热钢瓶；",
            "员工掌握燃气泄漏应急处置方法。",
        ),
    },
    # --- Enterprise level: metal dust (涉爆金属粉尘) ---------------------------------------------------
    {
        "code": "E06",
        "name": "粉尘爆炸危险场所设在非框架结构多层建筑内或内设人员聚集场所",
        "level": "enterprise",
        "default_severity": "major",
        "deadline_days": 30,
        "accident_type": "other_explosion",
        "risk_tag": "metal_dust",
        "legal_basis": _basis(f"{MAJOR_CRITERIA}第十一条第（一）项", DUST_RULES, DUST_CODE),
        "standard_measures": _steps(
            "立即撤出粉尘爆炸危险场所内的员工宿舍、会议室、办公室、休息室等人员聚集场所；",
            "非框架结构多层建筑内的粉尘爆炸危险作业迁至单层厂房或框架结构建筑；",
            "迁改完成前停止相关涉粉作业，并落实临时防范措施和应急预案；",
            "重新开展粉尘防爆安全风险辨识评估，更新涉粉作业台账。",
        ),
    },
    {
        "code": "E07",
        "name": "除尘系统不符合防爆要求（共用或互联、正压除尘、无泄爆惰化抑爆措施、无锁气卸灰装置）",
        "level": "enterprise",
        "default_severity": "major",
        "deadline_days": 30,
        "accident_type": "other_explosion",
        "risk_tag": "metal_dust",
        "legal_basis": _basis(
            f"{MAJOR_CRITERIA}第十一条第（二）项至第（六）项",
            DUST_RULES,
            DUST_CODE,
            "《铝镁制品机械加工粉尘防爆安全技术规范》AQ 4272-2016",
        ),
        "standard_measures": _steps(
            "不同类别可燃性粉尘、不同建（构）筑物或防火分区分别设置除尘系统，拆除互联互通管道；",
            "铝镁等金属粉尘除尘系统改为负压除尘，或采用湿式除尘；",
            "干式除尘系统设置泄爆、惰化或抑爆等爆炸防控措施，泄爆口朝向安全区域；",
            "铝镁等金属粉尘、木质粉尘的干式除尘系统设置锁气卸灰装置；",
            "拆除重力沉降室和干式巷道式除尘风道；",
            "除尘系统由具备能力的单位设计安装，整改后组织验收。",
        ),
    },
    {
        "code": "E08",
        "name": "粉尘爆炸危险区域电气设备不防爆或设备管道未防静电接地",
        "level": "enterprise",
        "default_severity": "major",
        "deadline_days": 15,
        "accident_type": "other_explosion",
        "risk_tag": "metal_dust",
        "legal_basis": _basis(f"{MAJOR_CRITERIA}第十一条第（七）项", DUST_RULES, DUST_CODE),
        "standard_measures": _steps(
            "除尘器、收尘仓等20区粉尘爆炸危险场所内的电气设备更换为粉尘防爆型；",
            "除尘系统管道、设备做等电位连接并可靠接地，法兰处跨接；",
            "作业人员穿防静电工作服，禁止在危险区域使用非防爆电子设备；",
            "绘制粉尘爆炸危险区域划分图，现场设置警示标志。",
        ),
    },
    {
        "code": "E09",
        "name": "铝镁等遇湿自燃金属粉尘收集、储存未防水防潮或未防止氢气积聚",
        "level": "enterprise",
        "default_severity": "major",
        "deadline_days": 15,
        "accident_type": "other_explosion",
        "risk_tag": "metal_dust",
        "legal_basis": _basis(
            f"{MAJOR_CRITERIA}第十一条第（九）项",
            "《铝镁制品机械加工粉尘防爆安全技术规范》AQ 4272-2016",
        ),
        "standard_measures": _steps(
            "湿式除尘产生的泥浆和收集的粉尘存放在通风良好的场所，防止氢气积聚；",
            "干式收集的粉尘密闭存放在防水防潮的场所，远离水源和热源；",
            "及时清运收集的粉尘，不得大量积存；",
            "存放点设置警示标志，配备干砂等专用灭火器材，严禁用水扑救。",
        ),
    },
    {
        "code": "E10",
        "name": "未落实粉尘清理制度，作业现场积尘严重",
        "level": "enterprise",
        "default_severity": "major",
        "deadline_days": 3,
        "accident_type": "other_explosion",
        "risk_tag": "metal_dust",
        "legal_basis": _basis(f"{MAJOR_CRITERIA}第十一条第（十）项", DUST_RULES),
        "standard_measures": _steps(
            "立即停工清理设备、管道、地面、梁架等处积尘，采用防爆吸尘器或湿式清扫，严禁用压缩空气吹扫；",
            "制定粉尘清理制度，明确清理范围、周期、方式和责任人；",
            "按班次清理并记录，清理记录存档；",
            "开展粉尘防爆专项培训。",
        ),
    },
    # --- Enterprise level: confined spaces (有限空间) ---------------------------------------------------
    {
        "code": "E11",
        "name": "有限空间未辨识、未建立安全管理台账或未设置安全警示标志",
        "level": "enterprise",
        "default_severity": "major",
        "deadline_days": 7,
        "accident_type": "poisoning",
        "risk_tag": "confined_space",
        "legal_basis": _basis(
            f"{MAJOR_CRITERIA}第十三条第（一）项（存在硫化氢、一氧化碳等中毒风险的有限空间，"
            "未辨识、建立安全管理台账并且未设置明显安全警示标志的，判定为重大事故隐患）",
            CONFINED_RULES,
            f"{WORK_SAFETY_LAW}第三十五条",
        ),
        "standard_measures": _steps(
            "全面辨识本单位有限空间（污水池、化粪池、储罐、地坑、管道、窨井等），建立有限空间安全管理台账；",
            "在每个有限空间出入口设置明显的安全警示标志和告知牌；",
            "对无需进入的有限空间采取封闭、上锁等措施；",
            "明确有限空间作业负责人、作业人员和监护人员。",
        ),
    },
    {
        "code": "E12",
        "name": "有限空间作业未审批，或未执行“先通风、再检测、后作业”，或现场无监护人员",
        "level": "enterprise",
        "default_severity": "major",
        "deadline_days": 3,
        "accident_type": "poisoning",
        "risk_tag": "confined_space",
        "legal_basis": _basis(
            f"{MAJOR_CRITERIA}第十三条第（二）项",
            CONFINED_RULES,
            "《缺氧危险作业安全规程》GB 8958-2006",
        ),
        "standard_measures": _steps(
            "立即停止未经审批的有限空间作业；",
            "建立有限空间作业审批制度，每次作业前经负责人审批；",
            "作业前严格执行“先通风、再检测、后作业”，检测氧含量和有毒有害、可燃气体浓度，"
            "合格后方可作业，作业中持续通风和监测；",
            "作业现场设置监护人员，全程在岗不得离开；",
            "配备气体检测报警仪、通风设备、呼吸防护用品和救援器材，严禁盲目施救。",
        ),
    },
    {
        "code": "E13",
        "name": "有限空间作业防护救援装备缺失，或未开展专项培训和应急演练",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 15,
        "accident_type": "poisoning",
        "risk_tag": "confined_space",
        "legal_basis": _basis(CONFINED_RULES, f"{WORK_SAFETY_LAW}第二十八条、第四十五条"),
        "standard_measures": _steps(
            "配备气体检测报警仪、机械通风设备、正压式空气呼吸器或长管呼吸器、全身式安全带、安全绳、"
            "三脚架等防护和救援装备；",
            "对作业负责人、作业人员和监护人员进行有限空间作业专项安全培训并考核；",
            "制定有限空间作业现场处置方案，每年至少组织一次应急演练；",
            "装备定期检查维护并记录。",
        ),
    },
    # --- Enterprise level: spraying and powder coating (涉喷涂喷塑) -------------------------------------
    {
        "code": "E14",
        "name": "喷涂作业场所通风不良或电气设备不防爆",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 15,
        "accident_type": "fire",
        "risk_tag": "spraying",
        "legal_basis": _basis(
            "《涂装作业安全规程 涂漆工艺安全及其通风净化》GB 6514-2008",
            f"{WORK_SAFETY_LAW}第三十六条",
        ),
        "standard_measures": _steps(
            "喷漆室（房）设置机械通风和废气净化设施并有效运行，通风与喷涂设备联锁；",
            "喷涂区、调漆间内的照明、开关、电机等电气设备更换为防爆型；",
            "喷涂作业区与其他区域进行防火分隔；",
            "作业人员佩戴防毒口罩等防护用品；",
            "通风设施定期清理维护并记录。",
        ),
    },
    {
        "code": "E15",
        "name": "静电喷涂（喷塑）设备未可靠接地，或粉末回收系统无防爆措施",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 15,
        "accident_type": "other_explosion",
        "risk_tag": "spraying",
        "legal_basis": _basis(
            "《涂装作业安全规程 粉末静电喷涂工艺安全》GB 15607-2008",
            "《涂装作业安全规程 静电喷漆工艺安全》GB 12367-2006",
            DUST_CODE,
        ),
        "standard_measures": _steps(
            "喷房、喷枪、工件挂具、输送链和回收设备可靠接地，定期检测接地电阻；",
            "作业人员穿防静电鞋服，作业区采用导静电地面；",
            "粉末回收系统设置泄爆等防爆措施，回收装置内不得有点燃源；",
            "及时清理喷房和回收装置内的积粉；",
            "静电喷涂高压发生器与通风、回收装置联锁。",
        ),
    },
    {
        "code": "E16",
        "name": "油漆、稀释剂等易燃涂料超量存放或调漆间设置不规范",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "fire",
        "risk_tag": "spraying",
        "legal_basis": _basis(
            f"{FIRE_LAW}第二十三条",
            "《涂装作业安全规程 涂漆工艺安全及其通风净化》GB 6514-2008",
        ),
        "standard_measures": _steps(
            "车间内油漆、稀释剂存放量不超过一个班次的用量，其余存放于专用仓库；",
            "设置独立的调漆间，采用防爆电气并保持通风；",
            "容器加盖密闭，沾染油漆的废抹布、废料放入带盖金属桶并及时清运；",
            "配置适用的灭火器，设置“严禁烟火”警示标志。",
        ),
    },
    # --- Enterprise level: lithium batteries (锂电池) ---------------------------------------------------
    {
        "code": "E17",
        "name": "锂电池（含成品、半成品、废旧电池）集中堆放、超量存放或未分区隔离",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "fire",
        "risk_tag": "lithium",
        "legal_basis": _basis(
            f"{FIRE_LAW}第十六条",
            f"{WORK_SAFETY_LAW}第四十一条",
            "《锂离子电池工厂设计标准》GB 51377-2019",
        ),
        "standard_measures": _steps(
            "锂电池及含锂电池产品设专用存放区，与其他区域防火分隔，控制存放数量；",
            "分区分堆存放，堆垛之间保持间距，远离热源和可燃物；",
            "破损、鼓包、废旧电池单独隔离存放于防火容器或沙箱内，及时交有资质的单位处置；",
            "存放区配置适用的灭火器材和火灾探测报警装置，设置警示标志；",
            "落实专人管理和巡查记录。",
        ),
    },
    {
        "code": "E18",
        "name": "锂电池充电、老化测试区域不规范（无防火分隔、无人值守、无监测报警）",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "fire",
        "risk_tag": "lithium",
        "legal_basis": _basis(f"{FIRE_LAW}第十六条、第二十七条", f"{WORK_SAFETY_LAW}第四十一条"),
        "standard_measures": _steps(
            "设置独立的充电、老化测试区，采用不燃材料分隔，与生产、仓储和人员聚集场所分开；",
            "使用具有过充、过流、过温保护和定时断电功能的合格充电设备；",
            "充电、老化期间安排人员值守，或设置温度、烟雾监测报警和视频监控；",
            "配置灭火器材和应急处置设施（如消防沙箱、浸水箱）；",
            "制定锂电池热失控应急处置方案并组织演练。",
        ),
    },
    # --- Enterprise level: welding and hot work (焊接与热切割) ------------------------------------------
    {
        "code": "E19",
        "name": "动火作业未经审批或现场无人监护",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 3,
        "accident_type": "fire",
        "risk_tag": "welding",
        "legal_basis": _basis(f"{FIRE_LAW}第二十一条", f"{WORK_SAFETY_LAW}第四十三条", WELDING_CODE),
        "standard_measures": _steps(
            "建立动火作业审批制度，作业前办理动火审批，明确动火地点、时间、作业人和监护人；",
            "动火前清理作业点周围可燃物，不能清除的用不燃材料遮盖；",
            "作业现场设专人监护并配备灭火器材；",
            "作业结束后检查确认无遗留火种方可离开；",
            "禁止在具有火灾、爆炸危险的场所违规动火。",
        ),
    },
    {
        "code": "E20",
        "name": "焊接与热切割作业现场不规范（周边可燃物、气瓶间距、回火防止器、焊机接地）",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "fire",
        "risk_tag": "welding",
        "legal_basis": _basis(WELDING_CODE, "《气瓶安全技术规程》TSG 23-2021"),
        "standard_measures": _steps(
            "焊割作业点周围清除可燃物，设置防火毯或挡板防止火花飞溅；",
            "氧气瓶与乙炔瓶分开放置，间距不小于5m，与明火距离不小于10m，并采取防倾倒措施；",
            "乙炔瓶直立使用，氧气、乙炔管路装设回火防止器，及时更换老化胶管；",
            "电焊机外壳可靠接地，焊把线绝缘良好，不得利用厂房金属结构、管道作为焊接回路；",
            "推广安装焊接作业管控芯片（“焊有序”），实现持证、审批与焊机联动。",
        ),
    },
    {
        "code": "E25",
        "name": "气瓶使用、存放不规范（无防倾倒措施、超期未检、混放、暴晒）",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "vessel",
        "risk_tag": None,
        "legal_basis": _basis("《中华人民共和国特种设备安全法》", "《气瓶安全技术规程》TSG 23-2021"),
        "standard_measures": _steps(
            "气瓶直立存放，设置链条或支架等防倾倒措施，配戴瓶帽和防震圈；",
            "空瓶、实瓶分开存放，可燃气体气瓶与助燃气体气瓶分开存放；",
            "超过检验期限或有缺陷的气瓶停止使用，退回充装单位；",
            "气瓶远离热源、明火，避免阳光暴晒；",
            "使用合格的减压器和管路，定期检查泄漏。",
        ),
    },
    # --- Enterprise level: people and management ----------------------------------------------------------
    {
        "code": "E21",
        "name": "特种作业人员未经专门安全作业培训取得相应资格上岗作业（电工、焊工等）",
        "level": "enterprise",
        "default_severity": "major",
        "deadline_days": 7,
        "accident_type": "other",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{WORK_SAFETY_LAW}第三十条",
            f"{MAJOR_CRITERIA}第三条第（二）项",
            "《特种作业人员安全技术培训考核管理规定》",
            f"{FIRE_LAW}第二十一条",
        ),
        "standard_measures": _steps(
            "立即停止无证人员从事电工、焊接与热切割、高处作业等特种作业；",
            "安排人员参加专门的安全作业培训，取得特种作业操作证后方可上岗；",
            "建立特种作业人员台账，登记证件类别、编号和复审日期，按期复审；",
            "作业时随身携带证件备查。",
        ),
    },
    {
        "code": "E22",
        "name": "从业人员未经安全生产教育和培训，或无培训档案",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 30,
        "accident_type": "other",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{WORK_SAFETY_LAW}第二十八条",
            "《生产经营单位安全培训规定》",
            f"{FIRE_LAW}第十六条",
        ),
        "standard_measures": _steps(
            "制定年度安全培训计划，对全体从业人员（含被派遣劳动者、实习学生）开展安全生产和消防安全教育培训；",
            "新员工上岗前进行厂（公司）、车间（工段）、班组三级安全教育，考核合格后上岗；",
            "主要负责人和安全生产管理人员参加安全生产知识和管理能力培训；",
            "建立安全生产教育和培训档案，如实记录培训时间、内容、参加人员和考核结果；",
            "组织员工掌握“一懂三会”（懂本岗位火灾危险性，会报警、会使用灭火器材、会逃生自救）。",
        ),
    },
    {
        "code": "E23",
        "name": "安全生产责任制、规章制度或隐患排查治理（自查自纠）台账未建立、未落实",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 30,
        "accident_type": "other",
        "risk_tag": None,
        "legal_basis": _basis(f"{WORK_SAFETY_LAW}第四条、第二十一条、第四十一条"),
        "standard_measures": _steps(
            "建立健全全员安全生产责任制，明确主要负责人、安全管理人员和各岗位责任，签订安全生产责任书；",
            "制定安全生产规章制度和岗位安全操作规程，并张贴上墙；",
            "建立隐患排查治理制度，企业主定期组织自查，填写《企业主履职自查表》和《安全隐患自查自纠记录本》；",
            "对排查出的隐患落实整改措施、资金、期限、责任人和应急预案，闭环销号；",
            "按规定配备专职或兼职安全生产管理人员。",
        ),
    },
    {
        "code": "E24",
        "name": "危险化学品储存不规范（无专用仓库、混存、超量存放、无专人管理）",
        "level": "enterprise",
        "default_severity": "major",
        "deadline_days": 7,
        "accident_type": "fire",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{WORK_SAFETY_LAW}第三十九条、第四十二条",
            "《危险化学品安全管理条例》第二十四条",
            "《危险化学品仓库储存通则》GB 15603-2022",
            f"{FIRE_LAW}第二十三条",
        ),
        "standard_measures": _steps(
            "危险化学品储存在专用仓库、专用场地或专用储存室内，由专人负责管理；",
            "按化学品性质分类、分区存放，禁忌物料不得混存；",
            "车间内存放量不超过当班用量，超量部分立即清运入库；",
            "储存场所设置通风、防爆、防泄漏等设施，备有安全技术说明书和应急器材；",
            "建立出入库登记台账；储存场所不得与员工宿舍设在同一建筑物内。",
        ),
    },
    {
        "code": "E30",
        "name": "劳动防护用品未配备或未正确佩戴",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "other",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{WORK_SAFETY_LAW}第四十五条、第五十七条",
            "《个体防护装备配备规范 第1部分：总则》GB 39800.1-2020",
        ),
        "standard_measures": _steps(
            "按岗位风险为从业人员免费配备符合国家标准或行业标准的劳动防护用品（防护眼镜、耳塞、防尘口罩、"
            "防护手套、安全鞋等）；",
            "建立劳动防护用品发放台账；",
            "教育督促员工正确佩戴和使用，现场监督检查；",
            "按期更换失效、损坏的防护用品。",
        ),
    },
    {
        "code": "E31",
        "name": "有较大危险因素的场所和设备设施未设置安全警示标志",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "other",
        "risk_tag": None,
        "legal_basis": _basis(f"{WORK_SAFETY_LAW}第三十五条", "《安全标志及其使用导则》GB 2894-2008"),
        "standard_measures": _steps(
            "在危险作业场所、危险设备设施和危险物品存放处设置明显的安全警示标志；",
            "在岗位张贴安全风险告知卡，告知主要危险因素、防范措施和应急处置方法；",
            "更换破损、褪色、被遮挡的标志。",
        ),
    },
    {
        "code": "E32",
        "name": "未制定生产安全事故应急预案或未按期组织应急（消防）演练",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 30,
        "accident_type": "other",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{WORK_SAFETY_LAW}第八十一条",
            f"{FIRE_LAW}第十六条",
            "《生产安全事故应急预案管理办法》",
        ),
        "standard_measures": _steps(
            "结合本单位风险制定生产安全事故应急预案和现场处置方案，明确应急组织、报警、疏散和处置程序；",
            "每年至少组织一次综合或专项应急预案演练，每半年至少组织一次现场处置方案演练，做好记录和评估；",
            "配备必要的应急器材并定期检查；",
            "员工熟悉疏散路线和集合点。",
        ),
    },
    # --- Enterprise level: machinery, lifting, falls, molten metal ------------------------------------------
    {
        "code": "E26",
        "name": "机械设备传动部位、危险部位防护装置缺失或失效",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "machinery",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{WORK_SAFETY_LAW}第三十六条",
            "《机械安全 防护装置 固定式和活动式防护装置的设计与制造一般要求》GB/T 8196-2018",
            "《生产设备安全卫生设计总则》GB 5083-1999",
        ),
        "standard_measures": _steps(
            "在皮带、齿轮、链条、联轴器等传动部位加装防护罩；",
            "冲压、剪切设备恢复光电保护、双手操作按钮等安全装置并保持有效；",
            "设备急停按钮完好有效；",
            "不得拆除、屏蔽、短接安全联锁装置；",
            "维修保养时执行停机、断电、挂牌上锁。",
        ),
    },
    {
        "code": "E27",
        "name": "起重机械未办理使用登记、未定期检验或安全装置失效",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 15,
        "accident_type": "lifting",
        "risk_tag": None,
        "legal_basis": _basis(
            "《中华人民共和国特种设备安全法》第十四条、第三十三条、第四十条",
            "《起重机械安全规程 第1部分：总则》GB 6067.1-2010",
        ),
        "standard_measures": _steps(
            "起重机械办理使用登记，在检验合格有效期届满前一个月申请定期检验，未经检验或检验不合格的停止使用；",
            "恢复上升限位器、起重量限制器、吊钩防脱钩装置等安全装置；",
            "更换达到报废标准的钢丝绳、吊具和索具；",
            "起重机械作业人员取得特种设备作业人员证后上岗；",
            "建立特种设备安全技术档案和日常检查记录。",
        ),
    },
    {
        "code": "E28",
        "name": "高处作业及临边、洞口防护缺失（无防护栏杆、未系安全带）",
        "level": "enterprise",
        "default_severity": "general",
        "deadline_days": 7,
        "accident_type": "fall",
        "risk_tag": None,
        "legal_basis": _basis(
            f"{WORK_SAFETY_LAW}第四十五条",
            "《固定式钢梯及平台安全要求 第3部分：工业防护栏杆及钢平台》GB 4053.3-2009",
        ),
        "standard_measures": _steps(
            "在平台、夹层、货架通道临边和楼板洞口设置符合标准的防护栏杆或盖板；",
            "高处作业人员系挂安全带，设置可靠的挂点；",
            "使用合格的梯子和登高作业平台，禁止站在货物或设备上作业；",
            "彩钢瓦等易碎屋面作业时铺设踏板并设置警示，下方设置防护。",
        ),
    },
    {
        "code": "E29",
        "name": "熔融金属作业场所不符合要求（人员聚集场所设在吊运或浇注跨内、熔炼炉无紧急排放设施）",
        "level": "enterprise",
        "default_severity": "major",
        "deadline_days": 15,
        "accident_type": "scald",
        "risk_tag": None,
        "legal_basis": _basis(f"{MAJOR_CRITERIA}第四条（冶金企业）、第七条（机械企业）"),
        "standard_measures": _steps(
            "将会议室、活动室、休息室、更衣室、交接班室等人员聚集场所迁出熔融金属吊运跨和浇注跨的地坪区域；",
            "铸造用熔炼炉、精炼炉、保温炉设置紧急排放和应急储存设施；",
            "生产期间炉前、浇注区、地坑和熔融金属转运通道保持干燥，不得积水；",
            "熔融金属吊运使用符合要求的起重机械，吊运路线避开人员；",
            "作业人员穿戴阻燃防护服、防护面罩等劳动防护用品。",
        ),
    },
]

# Checklist items name the category a failed item raises. Orders step by 10 so that items
# added in admin can sit between shipped ones; items are matched by (checklist, order).
CHECKLISTS = [
    {
        "code": "owner-self-check",
        "name": "企业主履职自查表",
        "unit_kind": "",
        "risk_tag": None,
        "for_parcel": False,
        "is_self_check": True,
        "items": [
            ("已建立全员安全生产责任制和安全管理制度，主要负责人签订安全生产责任书", "E23"),
            ("按计划开展从业人员安全教育培训，培训档案齐全", "E22"),
            ("电工、焊工等特种作业人员持有效证件上岗", "E21"),
            ("灭火器等消防器材配置齐全、在有效期内且无遮挡", "E01"),
            ("疏散通道、安全出口畅通，未锁闭", "E36"),
            ("应急照明和疏散指示标志完好有效", "E02"),
            ("电气线路无私拉乱接，配电箱规范", "E03"),
            ("生产经营场所内无人员住宿", "E33"),
            ("危险部位设置安全警示标志", "E31"),
            ("劳动防护用品配备到位并正确佩戴", "E30"),
            ("已制定应急预案并按期组织演练", "E32"),
            ("按期开展隐患自查，记录在《安全隐患自查自纠记录本》并整改销号", "E23"),
        ],
    },
    {
        "code": "parcel-multi-tenant",
        "name": "一厂多租宗地检查表",
        "unit_kind": "",
        "risk_tag": None,
        "for_parcel": True,
        "is_self_check": False,
        "items": [
            ("宗地内无违章搭建（彩钢棚、夹层、隔间等）", "P01"),
            ("生产、储存、经营场所内无违规住人（“三合一”）", "P02"),
            ("消防车通道、公共疏散通道和安全出口畅通", "P03"),
            ("房东与每家承租单位签订安全生产管理协议，明确各自职责", "P04"),
            ("房东对承租单位统一协调、管理并定期开展安全检查，检查记录齐全", "P04"),
            ("共用消防设施（消火栓、消防水源、自动消防系统）完好有效", "P05"),
            ("公共区域无电动自行车违规停放、充电", "P06"),
            ("分隔出租未破坏防火分隔，未占用防火间距", "P07"),
        ],
    },
    {
        "code": "small-premises",
        "name": "两房一店检查表",
        "unit_kind": "small_premises",
        "risk_tag": None,
        "for_parcel": False,
        "is_self_check": False,
        "items": [
            ("经营场所内无人员住宿，或居住部分已与经营部分完全分隔", "E33"),
            ("按要求配置灭火器且在有效期内", "E01"),
            ("电气线路无私拉乱接、无老化破损", "E03"),
            ("燃气钢瓶、软管和泄漏报警装置符合要求", "E34"),
            ("店内无电动自行车停放、充电", "E35"),
            ("安全出口和疏散通道畅通，门窗无影响逃生的障碍物", "E36"),
            ("应急照明灯具完好", "E02"),
        ],
    },
    {
        "code": "industrial-routine",
        "name": "工业企业日常检查表",
        "unit_kind": "industrial",
        "risk_tag": None,
        "for_parcel": False,
        "is_self_check": False,
        "items": [
            ("疏散通道、安全出口畅通，未锁闭", "E36"),
            ("灭火器等消防器材配置齐全有效", "E01"),
            ("应急照明和疏散指示标志完好", "E02"),
            ("电气线路无私拉乱接", "E03"),
            ("特种作业人员持证上岗", "E21"),
            ("机械设备防护装置齐全有效", "E26"),
            ("起重机械登记、检验合格，安全装置有效", "E27"),
            ("危险化学品专库储存、专人管理", "E24"),
            ("临边、洞口防护到位", "E28"),
            ("安全警示标志设置齐全", "E31"),
        ],
    },
    {
        "code": "risk-spraying",
        "name": "涉喷涂喷塑专项检查表",
        "unit_kind": "",
        "risk_tag": "spraying",
        "for_parcel": False,
        "is_self_check": False,
        "items": [
            ("喷漆室（房）机械通风和废气净化设施正常运行", "E14"),
            ("喷涂区、调漆间电气设备为防爆型", "E14"),
            ("静电喷涂（喷塑）设备、工件挂具可靠接地", "E15"),
            ("粉末回收系统设有泄爆等防爆措施，积粉及时清理", "E15"),
            ("油漆、稀释剂存放量不超过一个班次用量，调漆间独立设置", "E16"),
            ("作业人员佩戴防毒口罩等防护用品", "E30"),
            ("喷涂区域配置适用灭火器", "E01"),
        ],
    },
    {
        "code": "risk-metal-dust",
        "name": "涉爆金属粉尘专项检查表",
        "unit_kind": "",
        "risk_tag": "metal_dust",
        "for_parcel": False,
        "is_self_check": False,
        "items": [
            ("粉尘爆炸危险场所不在非框架结构多层建筑内，场所内无宿舍、办公室、休息室等人员聚集场所", "E06"),
            ("不同类别粉尘、不同建筑或防火分区未共用除尘系统，除尘系统未互联互通", "E07"),
            ("干式除尘系统设有泄爆、惰化或抑爆措施；铝镁粉尘采用负压或湿式除尘", "E07"),
            ("铝镁等金属粉尘干式除尘系统设有锁气卸灰装置", "E07"),
            ("除尘器等20区电气设备防爆，设备管道防静电接地", "E08"),
            ("遇湿自燃金属粉尘存放场所防水防潮、通风防止氢气积聚", "E09"),
            ("落实粉尘清理制度，现场无严重积尘，清理记录齐全", "E10"),
            ("涉粉作业人员经粉尘防爆专项培训", "E22"),
        ],
    },
    {
        "code": "risk-confined-space",
        "name": "有限空间专项检查表",
        "unit_kind": "",
        "risk_tag": "confined_space",
        "for_parcel": False,
        "is_self_check": False,
        "items": [
            ("已辨识有限空间并建立安全管理台账", "E11"),
            ("有限空间出入口设置明显的安全警示标志", "E11"),
            ("有限空间作业经审批", "E12"),
            ("作业执行“先通风、再检测、后作业”，检测记录齐全", "E12"),
            ("作业现场设置监护人员并全程在岗", "E12"),
            ("配备气体检测、通风、呼吸防护和救援装备", "E13"),
            ("作业人员经专项培训，每年组织应急演练", "E13"),
        ],
    },
    {
        "code": "risk-lithium",
        "name": "锂电池专项检查表",
        "unit_kind": "",
        "risk_tag": "lithium",
        "for_parcel": False,
        "is_self_check": False,
        "items": [
            ("锂电池设专区存放，分区分堆，数量受控", "E17"),
            ("破损、鼓包、废旧电池隔离存放并及时处置", "E17"),
            ("充电、老化测试区独立设置并与其他区域防火分隔", "E18"),
            ("充电设备有过充、过温保护，充电期间有人值守或有监测报警", "E18"),
            ("存放和充电区域配置适用的灭火器材和应急处置设施", "E01"),
            ("电气线路无私拉乱接", "E03"),
        ],
    },
    {
        "code": "risk-welding",
        "name": "焊接与热切割专项检查表",
        "unit_kind": "",
        "risk_tag": "welding",
        "for_parcel": False,
        "is_self_check": False,
        "items": [
            ("焊工持有效特种作业操作证上岗", "E21"),
            ("动火作业办理审批并设专人监护", "E19"),
            ("作业点周边可燃物已清理或遮盖", "E20"),
            ("氧气瓶、乙炔瓶分开放置，间距符合要求，有防倾倒措施", "E25"),
            ("氧气、乙炔管路装有回火防止器，胶管无老化", "E20"),
            ("电焊机外壳接地，焊把线绝缘良好", "E20"),
            ("作业现场配备灭火器材", "E01"),
        ],
    },
    {
        "code": "risk-old-wiring",
        "name": "老旧厂房电气线路专项检查表",
        "unit_kind": "",
        "risk_tag": "old_wiring",
        "for_parcel": False,
        "is_self_check": False,
        "items": [
            ("电气线路经专业检测，无老化、绝缘破损、过热", "E04"),
            ("配电箱规范（箱门、标识、一机一闸一漏保）", "E04"),
            ("线路穿管或线槽敷设，未直接敷设在可燃物上", "E04"),
            ("无私拉乱接、插座串接", "E03"),
            ("漏电保护装置有效，设备金属外壳接地", "E05"),
            ("应急照明和疏散指示完好", "E02"),
        ],
    },
]

CATEGORY_FIELDS = (
    "name",
    "level",
    "default_severity",
    "deadline_days",
    "accident_type",
    "legal_basis",
    "standard_measures",
)
CHECKLIST_FIELDS = ("name", "unit_kind", "for_parcel", "is_self_check")


def _upsert(model, lookup, values, stats, kind):
    """update_or_create that saves only when something differs, and counts what it did."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        stats[f"{kind}_created"] += 1
        return obj
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if changed:
        for field in changed:
            setattr(obj, field, values[field])
        obj.save(update_fields=[field.removesuffix("_id") if field.endswith("_id") else field for field in changed])
        stats[f"{kind}_updated"] += 1
    else:
        stats[f"{kind}_unchanged"] += 1
    return obj


def load_catalogue(HazardCategory, Checklist, ChecklistItem, RiskTagOption):  # noqa: N803 (models passed in)
    """Create or update the shipped categories and checklists; return counts by what happened.

    Pass the models to use: ``apps.get_model(...)`` in a migration, the real ones elsewhere.
    Idempotent: a second run reports everything unchanged and writes nothing.
    """
    stats = Counter()
    tags = {spec["risk_tag"] for spec in CATEGORIES + CHECKLISTS if spec["risk_tag"]}
    for code in sorted(tags):
        RiskTagOption.objects.get_or_create(code=code)

    category_ids = {}
    for position, spec in enumerate(CATEGORIES, start=1):
        values = {field: spec[field] for field in CATEGORY_FIELDS}
        values["risk_tag_id"] = spec["risk_tag"]
        values["order"] = position * 10
        category = _upsert(HazardCategory, {"code": spec["code"]}, values, stats, "categories")
        category_ids[spec["code"]] = category.pk

    for spec in CHECKLISTS:
        values = {field: spec[field] for field in CHECKLIST_FIELDS}
        values["risk_tag_id"] = spec["risk_tag"]
        checklist = _upsert(Checklist, {"code": spec["code"]}, values, stats, "checklists")
        for position, (text, category_code) in enumerate(spec["items"], start=1):
            _upsert(
                ChecklistItem,
                {"checklist_id": checklist.pk, "order": position * 10},
                {"text": text, "category_id": category_ids[category_code]},
                stats,
                "items",
            )
    return stats
