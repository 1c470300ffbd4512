"""The calibration figures of the demo city (PRODUCT.md) and the words its names are made of."""

from safecampus.orgs.choices import SchoolType as T

CITY = ("3706", "烟台市", (121.447935, 37.463822))

# code, name, GeoJSON feature (blank: a functional zone drawn as a marker), marker centre,
# weight for the number of schools.
DISTRICTS = [
    ("370602", "芝罘区", "芝罘区", (121.400445, 37.541475), 14),
    ("370611", "福山区", "福山区", (121.267741, 37.498246), 7),
    ("370612", "牟平区", "牟平区", (121.600455, 37.387061), 8),
    ("370613", "莱山区", "莱山区", (121.445301, 37.511291), 8),
    ("370614", "蓬莱区", "蓬莱市", (120.758848, 37.810661), 7),
    ("370681", "龙口市", "龙口市", (120.477813, 37.646107), 10),
    ("370682", "莱阳市", "莱阳市", (120.711672, 36.978941), 10),
    ("370683", "莱州市", "莱州市", (119.942274, 37.177129), 12),
    ("370685", "招远市", "招远市", (120.434071, 37.355469), 8),
    ("370686", "栖霞市", "栖霞市", (120.849675, 37.335123), 7),
    ("370687", "海阳市", "海阳市", (121.173793, 36.688), 8),
    ("370634", "长岛综合试验区", "长岛县", (120.736069, 37.921368), 1),
    ("370671", "烟台高新区", "", (121.515000, 37.443000), 2),
    ("370672", "烟台经济技术开发区", "", (121.246000, 37.565000), 5),
]

# The 1,587 schools and kindergartens of the article, by type; DIRECT of them report to the city.
BASIC_COUNTS = {
    T.KINDERGARTEN: 830,
    T.PRIMARY: 400,
    T.JUNIOR: 140,
    T.SENIOR: 50,
    T.NINE_YEAR: 95,
    T.TWELVE_YEAR: 12,
    T.VOCATIONAL: 45,
    T.SPECIAL: 15,
}
DIRECT_COUNTS = {T.SENIOR: 8, T.VOCATIONAL: 6, T.TWELVE_YEAR: 2, T.JUNIOR: 2, T.KINDERGARTEN: 3, T.SPECIAL: 1}
TRAINING_INSTITUTIONS = 420

# The 14 universities, by the district they stand in.
UNIVERSITIES = [
    ("370613", "烟台大学"), ("370613", "山东工商学院"), ("370613", "滨州医学院烟台校区"),
    ("370602", "鲁东大学"), ("370602", "烟台职业学院"), ("370602", "烟台工程职业技术学院"),
    ("370613", "烟台理工学院"), ("370671", "烟台科技学院"), ("370611", "烟台黄金职业学院"),
    ("370681", "南山学院"), ("370612", "山东商务职业学院"), ("370672", "烟台汽车工程职业学院"),
    ("370671", "哈尔滨工程大学烟台研究院"), ("370682", "青岛农业大学莱阳校区"),
]

# (min, max) students and students per staff member, by type.
SIZES = {
    T.KINDERGARTEN: ((40, 420), 7),
    T.PRIMARY: ((120, 2600), 17),
    T.JUNIOR: ((300, 2200), 12),
    T.SENIOR: ((900, 3600), 11),
    T.NINE_YEAR: ((300, 2400), 14),
    T.TWELVE_YEAR: ((1500, 4200), 12),
    T.VOCATIONAL: ((600, 4000), 16),
    T.SPECIAL: ((40, 260), 3),
    T.UNIVERSITY: ((6000, 32000), 18),
    T.TRAINING: ((30, 600), 15),
}
BOARDING_SHARE = {T.SENIOR: 0.8, T.TWELVE_YEAR: 0.7, T.VOCATIONAL: 0.6, T.SPECIAL: 0.5, T.NINE_YEAR: 0.25, T.JUNIOR: 0.2, T.UNIVERSITY: 1.0}
PRIVATE_SHARE = {T.KINDERGARTEN: 0.45, T.TRAINING: 1.0, T.PRIMARY: 0.04, T.JUNIOR: 0.06, T.SENIOR: 0.1, T.VOCATIONAL: 0.2, T.TWELVE_YEAR: 0.5}

SUFFIX = {
    T.KINDERGARTEN: "幼儿园",
    T.PRIMARY: "小学",
    T.JUNIOR: "初级中学",
    T.SENIOR: "高级中学",
    T.NINE_YEAR: "学校",
    T.TWELVE_YEAR: "外国语学校",
    T.VOCATIONAL: "职业中等专业学校",
    T.SPECIAL: "特殊教育学校",
    T.TRAINING: "培训学校",
}
WORDS = (
    "实验 育才 新华 文化 东方 海滨 振华 明德 启明 博文 崇文 育英 阳光 希望 前进 胜利 红旗 建设 "
    "青年 朝阳 向阳 光华 凤凰 龙泉 金山 银湖 桃源 梨园 果香 葡萄山 毓璜顶 只楚 幸福 世回尧 "
    "黄务 初家 大季家 古现 八角 福新 门楼 回里 清洋 张格庄 观水 龙泉湾 东海岸 南山 北马 兰高 "
    "诸由 黄山馆 石良 东莱 沙河 朱桥 虎头崖 辛庄 金城 玲珑 蚕庄 大秦家 松山 庙后 臧家庄 亭口 "
    "桃村 唐家泊 徐家店 凤城 郭城 留格庄 小纪 发城 团旺 穴坊 照旺庄 河洛 沐浴店 姜疃 龙旺庄 "
    "钟楼 紫荆 丁香 海棠 杏坛 书香 养正 致远 思源 知行 格致 尚德 弘毅 求真 笃行 新桥 滨海 港城 "
).split()
TRAINING_WORDS = "英才 学而思 新东方 智慧树 小天鹅 星光 书画 围棋 舞蹈 音乐 美术 跆拳道 编程 口才 科学 主持".split()
CHINESE_ORDINALS = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十".split()

# Extra cities of a province-scale demo (scale > 1): code and name; their districts are synthetic.
PROVINCE = ("37", "山东省")
OTHER_CITIES = [
    ("3701", "济南市"), ("3702", "青岛市"), ("3703", "淄博市"), ("3704", "枣庄市"), ("3705", "东营市"),
    ("3707", "潍坊市"), ("3708", "济宁市"), ("3709", "泰安市"), ("3710", "威海市"), ("3711", "日照市"),
    ("3713", "临沂市"), ("3714", "德州市"), ("3715", "聊城市"), ("3716", "滨州市"), ("3717", "菏泽市"),
]
SURNAMES = "王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗 梁 宋 郑 谢 韩 唐 冯 于 董 萧 曲 姜 隋 孙 宫 刁 衣 鞠".split()
GIVEN = "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 霞 平 刚 桂 华 建 国 红 玉 海 波 鹏 晓 宁 雪 琳 志 斌".split()
