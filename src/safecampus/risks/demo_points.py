"""What the demo city's K-12 and kindergarten catalogs are padded with, up to the counts of the
official lists: risk points composed, per aspect, from real places of a school or kindergarten
and the hazards and control measures those places have (risks/demo.py). They read like the
starter entries — a place, what goes wrong there, the accident it leads to, and measures held
by a department and a post — and are marked `generated`, never official.

A pattern's texts take the place (`{place}`), who is at risk (`{kids}`: 学生 / 幼儿) and the
kind of school (`{school}`: 学校 / 幼儿园); a measure names a duty (`ROLES`), which each catalog
group gives its own department and post.
"""

from safecampus.risks.choices import CatalogGroup

K12, KG = CatalogGroup.K12, CatalogGroup.KINDERGARTEN

# duty -> (department, post), per group: the posts the starter catalogs use.
ROLES: dict[str, dict[str, tuple[str, str]]] = {
    K12: {
        "safety": ("安全办", "安全管理员"),
        "safety_head": ("安全办", "安全主任"),
        "deputy": ("校长室", "分管安全副校长"),
        "logistics": ("总务处", "总务主任"),
        "repair": ("总务处", "维修工"),
        "electric": ("总务处", "电工"),
        "teacher": ("年级组", "班主任"),
        "sport": ("体育组", "体育教师"),
        "doctor": ("卫生室", "校医"),
        "guard": ("安全办", "保安员"),
        "guard_lead": ("安全办", "保安队长"),
        "it": ("信息中心", "网络管理员"),
        "food": ("总务处", "食品安全管理员"),
        "kitchen": ("总务处", "食堂管理员"),
        "moral": ("德育处", "德育主任"),
        "academic": ("教务处", "教务主任"),
        "lab": ("教务处", "实验员"),
        "office": ("办公室", "办公室主任"),
        "bus": ("安全办", "校车安全管理员"),
        "counsel": ("心理健康辅导室", "心理教师"),
        "night": ("生活指导处", "宿舍管理员"),
    },
    KG: {
        "safety": ("安全办", "安全专干"),
        "safety_head": ("安全办", "安全专干"),
        "deputy": ("园长室", "分管安全副园长"),
        "logistics": ("后勤处", "后勤主任"),
        "repair": ("后勤处", "维修工"),
        "electric": ("后勤处", "电工"),
        "teacher": ("保教处", "班级教师"),
        "sport": ("保教处", "班级教师"),
        "doctor": ("卫生保健室", "保健医"),
        "guard": ("安全办", "保安员"),
        "guard_lead": ("安全办", "安全专干"),
        "it": ("办公室", "信息管理员"),
        "food": ("后勤处", "食品安全管理员"),
        "kitchen": ("后勤处", "厨师长"),
        "moral": ("保教处", "保教主任"),
        "academic": ("保教处", "保教主任"),
        "lab": ("保教处", "保育员"),
        "office": ("办公室", "办公室主任"),
        "bus": ("安全办", "校车安全管理员"),
        "counsel": ("保教处", "保教主任"),
        "night": ("保教处", "保育员"),
    },
}
WORDS: dict[str, dict[str, str]] = {
    K12: {"kids": "学生", "school": "学校"},
    KG: {"kids": "幼儿", "school": "幼儿园"},
}

# A measure: (text, duty, frequency).
Measure = tuple[str, str, str]
# A pattern: (name, hazard, accident, measures).
Pattern = tuple[str, str, str, list[Measure]]

# aspect -> (places of a K-12 school, places of a kindergarten, patterns).
ASPECTS: dict[str, tuple[list[str], list[str], list[Pattern]]] = {
    "01": (
        ["总务处", "教务处", "德育处", "年级组", "后勤服务中心", "校医室"],
        ["保教处", "后勤处", "卫生保健室", "小班年级组", "中班年级组", "大班年级组"],
        [
            (
                "岗位安全职责不清",
                "{place}各岗位安全职责未书面明确，人员调整后未及时交接安全工作，责任书未逐人签订。",
                "安全责任事故",
                [
                    (
                        "每学年初修订{place}岗位安全职责并与每名人员签订安全责任书",
                        "safety_head",
                        "yearly",
                    ),
                    ("人员调整时当面交接{place}安全工作事项，交接记录存档", "office", "semester"),
                    ("每学期抽查{place}安全责任书签订和履职记录", "deputy", "semester"),
                ],
            ),
            (
                "安全工作台账不全",
                "{place}安全检查、培训、整改台账记录不全或补记，检查发现的问题未录入整改清单。",
                "隐患漏查漏改",
                [
                    (
                        "每月整理{place}安全检查、培训和整改台账，问题当日录入整改清单",
                        "safety",
                        "monthly",
                    ),
                    (
                        "每学期检查{place}安全台账的完整性和真实性，通报存在的问题",
                        "safety_head",
                        "semester",
                    ),
                    ("对台账补记、漏记的部门约谈负责人并限期改正", "deputy", "semester"),
                ],
            ),
            (
                "安全会议研究不落实",
                "{place}例会未研究安全工作，上级安全工作部署未传达到每名教职工。",
                "安全责任事故、突发事件处置失当",
                [
                    ("{place}每月例会设置安全议题，传达上级部署并记录", "office", "monthly"),
                    ("每学期检查{place}安全议题会议记录和落实情况", "deputy", "semester"),
                    ("对上级安全工作通知建立传达签收记录", "safety", "weekly"),
                ],
            ),
        ],
    ),
    "02": (
        ["实验楼", "综合楼", "图书馆", "体育馆", "艺术楼", "行政办公楼"],
        ["主教学楼", "多功能厅", "综合活动楼", "图书室", "后勤用房", "办公楼"],
        [
            (
                "墙体和屋面渗漏开裂",
                "{place}墙体出现裂缝、屋面渗漏，吊顶受潮松动，雨季有脱落危险。",
                "物体打击、坍塌",
                [
                    ("每月检查{place}墙体裂缝、屋面渗漏和吊顶情况并拍照记录", "repair", "monthly"),
                    (
                        "对{place}渗漏和松动吊顶列入维修计划，维修前设置隔离",
                        "logistics",
                        "semester",
                    ),
                    ("汛期前后对{place}屋面和排水进行专项检查", "logistics", "semester"),
                ],
            ),
            (
                "护栏和门窗松动",
                "{place}楼梯扶手、窗户限位器或门扇松动损坏，玻璃有裂纹未更换。",
                "高处坠落、割伤",
                [
                    (
                        "每周检查{place}扶手、限位器、门扇和玻璃，损坏的当日设警示",
                        "repair",
                        "weekly",
                    ),
                    (
                        "{place}损坏的护栏和门窗一周内修复，修复前禁止{kids}靠近",
                        "logistics",
                        "monthly",
                    ),
                    ("每学期组织对{place}门窗和护栏进行一次全面检查", "safety", "semester"),
                ],
            ),
            (
                "地面湿滑或破损",
                "{place}门厅和走廊地面破损、湿滑，雨天未铺防滑垫，台阶边缘无防滑条。",
                "滑倒摔伤",
                [
                    ("雨雪天在{place}门厅铺设防滑垫并设置小心地滑提示", "repair", "daily"),
                    ("每月检查{place}地面、台阶和防滑条，破损的及时修补", "repair", "monthly"),
                    ("每学期将{place}地面维修纳入校舍维修计划", "logistics", "semester"),
                ],
            ),
        ],
    ),
    "03": (
        ["实验楼", "图书馆", "学生食堂", "体育馆", "报告厅", "行政办公楼"],
        ["多功能厅", "图书室", "美工室", "幼儿园厨房", "保健室", "办公楼"],
        [
            (
                "灭火器配置不足或失效",
                "{place}灭火器数量不足、压力不足或超过有效期，部分灭火器被杂物遮挡，未按月检查。",
                "火灾扩大",
                [
                    (
                        "每月检查{place}灭火器压力、有效期和摆放位置，填写检查卡",
                        "safety",
                        "monthly",
                    ),
                    ("按配置标准补齐{place}灭火器，失效的及时送检更换", "logistics", "semester"),
                    ("每学期组织{place}工作人员进行灭火器实操训练", "safety_head", "semester"),
                ],
            ),
            (
                "疏散通道不畅",
                "{place}疏散通道堆放杂物，安全出口上锁或被遮挡，疏散指示标志损坏。",
                "火灾时疏散受阻、拥挤踩踏",
                [
                    ("每日检查{place}疏散通道和安全出口，确保畅通、不上锁", "guard", "daily"),
                    (
                        "每月测试{place}应急照明和疏散指示标志，损坏的一周内更换",
                        "electric",
                        "monthly",
                    ),
                    ("清理{place}通道内杂物，建立物品定点存放制度", "logistics", "semester"),
                ],
            ),
            (
                "电气线路老化",
                "{place}电气线路老化、私拉乱接，配电箱未上锁且周围堆放可燃物。",
                "电气火灾、触电",
                [
                    ("每学期由持证电工检测{place}线路绝缘和漏电保护器", "electric", "semester"),
                    ("每周检查{place}用电情况，发现私拉乱接当场整改", "safety", "weekly"),
                    ("将{place}老化线路列入改造计划并限期完成", "logistics", "yearly"),
                ],
            ),
        ],
    ),
    "04": (
        ["东门", "西门", "北门", "后勤通道门", "南侧门", "西侧门"],
        ["园门", "侧门", "后勤通道门", "东侧门", "西侧门", "家长接送通道"],
        [
            (
                "出入口管控不严",
                "{place}未落实出入登记，外来人员和车辆未经核实即进入{school}，非开放时段未关闭。",
                "非法侵入、盗窃、暴力伤害",
                [
                    (
                        "{place}落实外来人员问询、登记、核实制度，非开放时段关闭上锁",
                        "guard",
                        "daily",
                    ),
                    ("每周调阅{place}视频，抽查出入登记和值守情况", "guard_lead", "weekly"),
                    (
                        "每学期评估{place}开放时段和管控措施，必要时增设门禁",
                        "safety_head",
                        "semester",
                    ),
                ],
            ),
            (
                "视频监控存在盲区",
                "{place}摄像头角度偏移或画面模糊，夜间无补光，录像保存不足30天。",
                "治安案件无法追溯",
                [
                    ("每月检查{place}摄像头在线状态、画面质量和录像保存天数", "it", "monthly"),
                    ("调整{place}摄像头角度并加装补光设备，消除盲区", "it", "semester"),
                    ("监控室值守人员重点时段实时查看{place}画面", "guard", "daily"),
                ],
            ),
            (
                "夜间巡查不到位",
                "{place}夜间巡查次数不足，巡更点打卡记录缺失，发现异常未及时报告。",
                "盗窃、非法侵入",
                [
                    ("夜间按巡更路线巡查{place}，每次在巡更点打卡", "guard", "daily"),
                    ("每周调阅{place}巡更记录，对漏巡情况通报整改", "guard_lead", "weekly"),
                    ("每学期对{place}巡查路线和频次进行评估调整", "safety_head", "semester"),
                ],
            ),
        ],
    ),
    "05": (
        ["学生食堂一楼", "学生食堂二楼", "教工餐厅", "食堂面点间", "食堂洗消间", "食堂原料库"],
        ["幼儿园厨房", "面点间", "洗消间", "配餐间", "原料库", "留样间"],
        [
            (
                "餐用具清洗消毒不到位",
                "{place}餐用具未按规定清洗消毒，消毒柜未开启或温度不足，保洁柜内有杂物。",
                "食物中毒、肠道传染病",
                [
                    ("每餐后按“一洗二清三消毒四保洁”清洗消毒{place}餐用具", "kitchen", "daily"),
                    ("每周检查{place}消毒柜温度和消毒记录", "food", "weekly"),
                    ("每学期委托检测{place}餐用具消毒效果", "logistics", "semester"),
                ],
            ),
            (
                "防蝇防鼠设施缺失",
                "{place}纱窗破损、挡鼠板缺失，下水道口无防鼠网，垃圾桶未加盖。",
                "食物污染、食物中毒",
                [
                    ("每周检查{place}纱窗、挡鼠板和防鼠网，破损的当日修补", "kitchen", "weekly"),
                    ("{place}垃圾桶加盖并每餐清运", "kitchen", "daily"),
                    ("每季度委托有资质的单位对{place}开展病媒生物防制", "logistics", "quarterly"),
                ],
            ),
            (
                "冷藏冷冻设备温度异常",
                "{place}冰箱冷库温度超出范围，生熟食品混放，食品原料超过保质期未清理。",
                "食物中毒",
                [
                    ("每日检查并记录{place}冷藏冷冻设备温度", "kitchen", "daily"),
                    ("{place}生熟食品分柜存放并标识，过期原料当日清理", "food", "daily"),
                    ("每月检查{place}冷藏冷冻设备运行和除霜情况", "food", "monthly"),
                ],
            ),
        ],
    ),
    "06": (
        ["初一年级", "初二年级", "高一年级", "高二年级", "小学低年级", "小学高年级"],
        ["托班", "小一班", "小二班", "中一班", "中二班", "大一班"],
        [
            (
                "晨午检记录不全",
                "{place}晨午检未逐人进行，缺勤原因未追踪，聚集性症状未及时报告。",
                "传染病暴发",
                [
                    ("{place}每日晨午检并追踪缺勤原因，异常情况当日报告", "teacher", "daily"),
                    ("每日汇总{place}因病缺勤情况，发现聚集性症状立即报告", "doctor", "daily"),
                    ("每月检查{place}晨午检和缺勤追踪记录", "safety", "monthly"),
                ],
            ),
            (
                "通风消毒不到位",
                "{place}门窗长期紧闭，公共物品和高频接触部位未定期消毒，消毒记录缺失。",
                "呼吸道传染病传播",
                [
                    ("{place}每日定时开窗通风并记录", "teacher", "daily"),
                    ("每周对{place}高频接触部位进行预防性消毒并记录", "repair", "weekly"),
                    ("传染病流行季节每周检查{place}通风消毒落实情况", "doctor", "weekly"),
                ],
            ),
            (
                "健康教育不落实",
                "{place}未开展传染病防控和个人卫生健康教育，{kids}洗手习惯差。",
                "传染病传播",
                [
                    ("每学期在{place}开展传染病防控和七步洗手法教育", "doctor", "semester"),
                    ("每月通过班会或主题活动在{place}开展健康教育", "teacher", "monthly"),
                    ("每学期检查{place}健康教育开展情况", "academic", "semester"),
                ],
            ),
        ],
    ),
    "07": (
        ["南门外道路", "北门外道路", "校车停靠点", "校内停车场", "接送等候区", "校园环路"],
        ["园门外道路", "接送等候区", "校车停靠点", "园内停车场", "侧门外道路", "后勤车辆通道"],
        [
            (
                "交通标志标线缺失",
                "{place}缺少减速带、人行横道和限速标志，标线模糊不清。",
                "交通事故",
                [
                    (
                        "每学期检查{place}交通标志、标线和减速带，缺失的报交管部门完善",
                        "safety_head",
                        "semester",
                    ),
                    ("上下学时段在{place}安排人员疏导车辆和行人", "guard", "daily"),
                    ("每月检查{place}减速带和护栏完好情况", "safety", "monthly"),
                ],
            ),
            (
                "车辆停放混乱",
                "{place}接送车辆和电动车随意停放、掉头，占用{kids}通行通道。",
                "交通事故、车辆伤害",
                [
                    ("上下学时段在{place}疏导车辆有序停放", "guard", "daily"),
                    ("施划{place}停车区和{kids}通道，设置隔离设施", "logistics", "semester"),
                    ("每学期通过告知书提醒家长在{place}规范停车", "moral", "semester"),
                ],
            ),
            (
                "车辆与{kids}混行",
                "{place}机动车在{kids}集中通行时段行驶，未实行人车分流。",
                "车辆伤害",
                [
                    ("{kids}集中通行时段在{place}安排专人实行人车分流", "guard", "daily"),
                    ("规划{place}人车分流路线并设置限速标志", "logistics", "semester"),
                    ("每月检查{place}人车分流措施落实情况", "safety", "monthly"),
                ],
            ),
        ],
    ),
    "08": (
        ["物理实验室", "化学实验室", "生物实验室", "科学教室", "通用技术教室", "实验准备室"],
        ["小班活动室", "中班活动室", "大班活动室", "美工室", "保健室", "保洁工具间"],
        [
            (
                "化学品存放不规范",
                "{place}消毒剂、清洁剂或实验试剂未专柜上锁存放，标签缺失，{kids}可以接触。",
                "误服中毒、化学灼伤",
                [
                    ("{place}化学品放入专柜上锁并张贴标签", "lab", "daily"),
                    ("每月盘点{place}化学品，过期和无标签的按规定处置", "lab", "monthly"),
                    ("每学期检查{place}化学品存放和领用记录", "academic", "semester"),
                ],
            ),
            (
                "防护和应急用品缺失",
                "{place}未配备护目镜、防护手套、急救箱等用品，或用品过期损坏。",
                "灼伤、割伤处置延误",
                [
                    ("每月检查{place}防护和急救用品，过期的及时补充", "lab", "monthly"),
                    ("使用前向{kids}讲解{place}安全要求和防护用品用法", "teacher", "weekly"),
                    ("每学期采购补齐{place}防护和急救用品", "logistics", "semester"),
                ],
            ),
            (
                "电器和工具使用不当",
                "{place}电器设备无人看管时通电，刀具、剪刀等工具未收回保管。",
                "触电、割伤",
                [
                    ("活动结束后切断{place}电源并收回刀具剪刀", "teacher", "daily"),
                    ("每周检查{place}电器设备和工具保管情况", "lab", "weekly"),
                    ("每学期检测{place}电器设备漏电保护", "electric", "semester"),
                ],
            ),
        ],
    ),
    "09": (
        ["田径场", "篮球场", "足球场", "室内体育馆", "器械训练区", "单双杠区"],
        ["户外活动场", "大型玩具区", "攀爬区", "骑行区", "室内游戏室", "滑梯区"],
        [
            (
                "场地设施破损",
                "{place}地面破损、凹凸不平，有碎石和积水，边缘设施尖角外露。",
                "摔伤、碰撞伤害",
                [
                    ("每日活动前检查{place}场地，清除碎石积水", "sport", "daily"),
                    ("每月检查{place}地面和边缘设施，破损的及时修补", "repair", "monthly"),
                    ("每学期将{place}维修纳入维修计划", "logistics", "semester"),
                ],
            ),
            (
                "器材固定不牢",
                "{place}器材螺丝松动、焊点开裂或配重不足，{kids}攀爬悬挂时可能倾倒。",
                "器材倾倒砸伤",
                [
                    ("每周检查{place}器材固定、螺丝和焊点", "sport", "weekly"),
                    ("不合格器材立即停用并挂牌，限期维修更换", "repair", "weekly"),
                    ("每年委托专业单位检测{place}器材", "logistics", "yearly"),
                ],
            ),
            (
                "活动看护不到位",
                "{place}活动时教师站位不合理，{kids}人数未清点，危险动作未及时制止。",
                "运动损伤、意外伤害",
                [
                    ("在{place}活动时教师全程在场，分区站位看护并清点人数", "sport", "daily"),
                    ("每学期开展{place}活动安全规则教育", "teacher", "semester"),
                    ("每月观摩{place}活动看护情况并反馈", "academic", "monthly"),
                ],
            ),
        ],
    ),
    "10": (
        ["运动会", "文艺汇演", "开学典礼", "毕业典礼", "家长会", "校园艺术节"],
        ["六一儿童节活动", "亲子运动会", "新年联欢会", "毕业典礼", "家长开放日", "元宵节游园活动"],
        [
            (
                "安全方案缺失",
                "{place}未制定安全工作方案和应急预案，人员分工和疏散路线不明确。",
                "拥挤踩踏、意外伤害",
                [
                    ("{place}前制定安全工作方案和应急预案，明确分工和路线", "moral", "semester"),
                    ("{place}方案报分管领导审批后实施", "deputy", "semester"),
                    ("{place}结束后总结安全工作并存档", "safety", "semester"),
                ],
            ),
            (
                "现场秩序失控",
                "{place}入退场未分批次组织，通道和出口无人引导，现场人员超出场地容量。",
                "拥挤踩踏",
                [
                    ("{place}分批次入退场，在通道和出口安排专人引导", "safety", "semester"),
                    ("{place}前核定场地容量，控制参加人数", "moral", "semester"),
                    ("{place}当日开场前检查场地、通道和消防器材", "safety_head", "semester"),
                ],
            ),
            (
                "医疗保障不足",
                "{place}现场未安排医务人员和急救用品，突发伤病无法及时处置。",
                "意外伤害救治延误",
                [
                    ("{place}现场安排医务人员并配备急救箱和AED", "doctor", "semester"),
                    ("{place}前了解特殊体质{kids}情况并做好预案", "doctor", "semester"),
                    ("{place}前对带队教师进行急救知识培训", "safety_head", "semester"),
                ],
            ),
        ],
    ),
    "11": (
        ["1号学生公寓", "2号学生公寓", "3号学生公寓", "4号学生公寓", "女生宿舍楼", "男生宿舍楼"],
        [
            "托班午睡室",
            "小一班午睡室",
            "小二班午睡室",
            "中一班午睡室",
            "中二班午睡室",
            "大一班午睡室",
        ],
        [
            (
                "值班看护不到位",
                "{place}值班人员不在岗或未按时巡视，{kids}身体不适未被及时发现。",
                "突发疾病救治延误、意外伤害",
                [
                    ("{place}安排专人值班并定时巡视，记录巡视情况", "night", "daily"),
                    ("每日抽查{place}值班和巡视记录", "safety", "daily"),
                    ("每学期对{place}值班人员进行看护和急救培训", "doctor", "semester"),
                ],
            ),
            (
                "床铺设施隐患",
                "{place}床架松动、护栏缺失，床铺靠近暖气或电源插座。",
                "坠床、烫伤、触电",
                [
                    ("每月检查{place}床架、护栏和床位摆放", "repair", "monthly"),
                    ("调整{place}床位，远离暖气和电源插座", "night", "semester"),
                    ("每学期开学前全面检查{place}床铺设施", "logistics", "semester"),
                ],
            ),
            (
                "通风和卫生不良",
                "{place}通风不良，被褥未定期晾晒更换，地面潮湿有异味。",
                "呼吸道传染病、皮肤病",
                [
                    ("{place}每日开窗通风，定期晾晒被褥", "night", "daily"),
                    ("每月检查{place}卫生和被褥更换情况", "doctor", "monthly"),
                    ("每学期对{place}进行一次全面清洁消毒", "logistics", "semester"),
                ],
            ),
        ],
    ),
    "12": (
        ["学校后山边坡", "校园排水沟", "校门外河道", "校园低洼积水区", "挡土墙", "地下车库"],
        ["园内景观池", "园外排水渠", "户外低洼积水区", "周边池塘", "园内储水设施", "挡土墙"],
        [
            (
                "汛期隐患排查不到位",
                "{place}汛期前未排查，积水、倒伏或坍塌风险未采取防范措施。",
                "溺水、物体打击、坍塌",
                [
                    ("汛期前后对{place}进行专项排查并记录", "logistics", "semester"),
                    ("强降雨期间安排专人巡查{place}，发现异常立即处置", "safety", "daily"),
                    ("对{place}存在的风险设置警示标志和防护设施", "safety_head", "semester"),
                ],
            ),
            (
                "警示和防护设施缺失",
                "{place}无警示标志和防护栏，{kids}可以靠近或进入。",
                "溺水、坠落",
                [
                    ("在{place}设置警示标志和防护栏", "logistics", "semester"),
                    ("每月检查{place}警示标志和防护设施完好情况", "safety", "monthly"),
                    ("教育{kids}远离{place}等危险区域", "teacher", "monthly"),
                ],
            ),
            (
                "极端天气应对不及时",
                "大风、暴雨、暴雪天气前未检查{place}，未及时加固或清理。",
                "物体打击、滑倒摔伤",
                [
                    ("接到预警后及时检查并加固{place}", "repair", "daily"),
                    ("极端天气后检查{place}受损情况并及时修复", "logistics", "monthly"),
                    ("值班人员每日关注气象预警信息", "safety", "daily"),
                ],
            ),
        ],
    ),
    "13": (
        ["教学楼配电间", "食堂燃气间", "锅炉房", "开水房", "电梯机房", "水泵房"],
        ["配电间", "厨房燃气间", "开水间", "热水器间", "电梯机房", "水泵房"],
        [
            (
                "设备未按期检修",
                "{place}设备未按期检修维护，安全附件未校验，运行记录缺失。",
                "触电、爆炸、烫伤",
                [
                    ("每周巡检{place}设备运行情况并记录", "electric", "weekly"),
                    ("按期委托有资质的单位检修{place}设备，校验安全附件", "logistics", "yearly"),
                    ("每月检查{place}运行和检修记录", "safety", "monthly"),
                ],
            ),
            (
                "无关人员可进入",
                "{place}未上锁，门口无警示标志，{kids}和无关人员可以进入。",
                "触电、烫伤、机械伤害",
                [
                    ("{place}保持上锁并设置警示标志，钥匙专人保管", "electric", "daily"),
                    ("每周检查{place}门锁和警示标志", "guard", "weekly"),
                    ("每学期检查{place}管理制度落实情况", "safety_head", "semester"),
                ],
            ),
            (
                "操作人员无证上岗",
                "{place}操作人员未取得相应资格证书，不熟悉应急处置程序。",
                "设备事故",
                [
                    ("{place}操作人员持证上岗，证书复印件存档", "logistics", "semester"),
                    ("每学期组织{place}操作人员开展应急处置培训", "safety_head", "semester"),
                    ("每月核查{place}操作人员在岗和持证情况", "safety", "monthly"),
                ],
            ),
        ],
    ),
    "14": (
        ["初一新生", "初三年级", "高三年级", "寄宿生群体", "转学新生", "留守儿童群体"],
        ["托班幼儿", "小班新生", "中班幼儿", "大班幼儿", "特殊需要幼儿", "离异家庭幼儿"],
        [
            (
                "心理状况掌握不及时",
                "{place}心理状况和家庭情况底数不清，异常情绪和行为未被及时发现。",
                "心理危机、意外伤害",
                [
                    ("每学期排查{place}心理和家庭情况并建立档案", "counsel", "semester"),
                    ("每月与{place}重点关注对象谈心并记录", "teacher", "monthly"),
                    ("每学期检查{place}排查和跟踪记录", "moral", "semester"),
                ],
            ),
            (
                "冲突和欺凌处置不及时",
                "{place}同伴冲突和欺凌行为未及时发现和处置，未告知家长。",
                "欺凌伤害、心理创伤",
                [
                    ("每月排查{place}矛盾纠纷和欺凌行为并及时处置", "teacher", "monthly"),
                    ("发现欺凌行为当日调查核实并告知家长", "moral", "daily"),
                    ("每学期开展{place}防欺凌主题教育", "counsel", "semester"),
                ],
            ),
            (
                "家校沟通不畅",
                "{place}家校沟通不及时，家长反映的问题未跟进处理。",
                "心理问题未及时疏导",
                [
                    ("每月与{place}家长沟通{kids}在校情况", "teacher", "monthly"),
                    ("建立{place}家长反映问题登记和回复制度", "moral", "semester"),
                    ("每学期召开{place}家长会通报安全和心理健康工作", "counsel", "semester"),
                ],
            ),
        ],
    ),
    "15": (
        [
            "校园网中心机房",
            "教务管理系统",
            "学校公众号",
            "录播教室",
            "校园一卡通系统",
            "教师办公电脑",
        ],
        ["园内网络机房", "班级监控系统", "幼儿管理系统", "园所公众号", "门禁系统", "教师办公电脑"],
        [
            (
                "账号口令管理薄弱",
                "{place}使用弱口令或多人共用账号，离职人员账号未及时注销。",
                "数据泄露、系统被入侵",
                [
                    ("每月检查{place}账号和口令强度，弱口令立即修改", "it", "monthly"),
                    ("人员离职调岗当日停用其{place}账号", "it", "daily"),
                    ("每学期清理{place}账号并留存记录", "office", "semester"),
                ],
            ),
            (
                "个人信息保护不到位",
                "{place}中的{kids}个人信息未按最小必要原则采集，导出和对外提供无审批。",
                "信息泄露、侵权",
                [
                    ("{place}导出和对外提供个人信息须经审批登记", "it", "weekly"),
                    ("每学期提醒教职工不得在{place}公开{kids}个人信息", "office", "semester"),
                    ("每学期检查{place}个人信息采集和使用情况", "safety_head", "semester"),
                ],
            ),
            (
                "数据备份和补丁缺失",
                "{place}重要数据未定期备份，系统补丁长期未更新。",
                "数据丢失、勒索病毒",
                [
                    ("每周备份{place}重要数据，备份离线保存", "it", "weekly"),
                    ("每月更新{place}系统补丁和防病毒软件", "it", "monthly"),
                    ("每学期进行一次{place}数据恢复演练", "office", "semester"),
                ],
            ),
        ],
    ),
    "16": (
        ["教学楼各楼层", "学生食堂", "体育馆", "学生公寓", "门卫室", "校车"],
        ["各班活动室", "午睡室", "幼儿园厨房", "门卫室", "保健室", "校车"],
        [
            (
                "应急物资配备不足",
                "{place}未配备应急照明、急救包、扩音器等物资，或物资过期、存放位置不明。",
                "突发事件处置延误",
                [
                    ("每学期检查补充{place}应急物资并张贴存放位置", "safety", "semester"),
                    ("每季度清点{place}应急物资有效期", "logistics", "quarterly"),
                    ("每学期向{place}工作人员讲解应急物资使用方法", "safety_head", "semester"),
                ],
            ),
            (
                "疏散路线不清",
                "{place}未张贴疏散路线图，人员不熟悉疏散路线和集合地点。",
                "火灾、地震时疏散失败",
                [
                    ("在{place}醒目位置张贴疏散路线图和集合地点", "safety", "semester"),
                    ("每月组织{place}人员熟悉疏散路线", "teacher", "monthly"),
                    ("结合演练检验{place}疏散路线，超时的调整方案", "safety_head", "semester"),
                ],
            ),
            (
                "应急处置职责不明",
                "{place}人员不清楚应急处置职责和报告流程，未参加应急培训。",
                "突发事件处置不当",
                [
                    ("明确{place}应急处置职责并张贴报告流程", "safety_head", "semester"),
                    ("每学期对{place}人员开展应急处置培训", "safety", "semester"),
                    ("通过演练和问答抽查{place}人员应急处置能力", "deputy", "semester"),
                ],
            ),
        ],
    ),
}


def composed(group: str, aspect: str) -> list[dict]:
    """Every point this aspect's places and patterns compose for `group`, in a fixed order:
    dicts of place, name, hazard, accident and measures (text, department, post, frequency)."""
    k12_places, kg_places, patterns = ASPECTS[aspect]
    places = kg_places if group == KG else k12_places
    words, roles = WORDS[group], ROLES[group]
    points = []
    for name, hazard, accident, measures in patterns:
        for place in places:
            fill = {"place": place, **words}
            points.append(
                {
                    "place": place,
                    "name": f"{place}{name.format(**fill)}",
                    "hazard": hazard.format(**fill),
                    "accident": accident,
                    "measures": [
                        {
                            "text": text.format(**fill),
                            "department": roles[duty][0],
                            "post": roles[duty][1],
                            "frequency": frequency,
                        }
                        for text, duty, frequency in measures
                    ],
                }
            )
    return points
