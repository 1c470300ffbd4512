"""Roles and the permission matrix: which role may do which action, inside its scope.

The scope itself (which org units) comes from role assignments; this table only says what a
role may do there. docs/permissions.md renders this table for people.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市级管理员")
    CITY_OFFICER = "city_officer", _("市局安全科")
    DISTRICT_OFFICER = "district_officer", _("区市安全干部")
    PRINCIPAL = "principal", _("校长")
    SAFETY_DIRECTOR = "safety_director", _("分管安全副校长/安全主任")
    STAFF = "staff", _("教职工")
    GUARD = "guard", _("保安员")
    INSPECTOR = "inspector", _("督导检查员/专家")
    COUNSELLOR = "counsellor", _("心理教师")
    AUDITOR = "auditor", _("审计员")


R = Role
_EVERY_BUSINESS_ROLE = frozenset(set(Role) - {Role.AUDITOR})

# action -> (label, roles). The auditor reads the trail and nothing else (separation of the
# administrator, security and audit duties, 等保 level 3).
PERMISSIONS: dict[str, tuple[str, frozenset[Role]]] = {
    "dashboard.view": (_("查看首页统计"), _EVERY_BUSINESS_ROLE),
    "org.view": (_("查看组织机构与学校"), _EVERY_BUSINESS_ROLE),
    "school.change": (
        _("修改学校档案"),
        frozenset({R.CITY_ADMIN, R.DISTRICT_OFFICER, R.PRINCIPAL, R.SAFETY_DIRECTOR}),
    ),
    "school.import": (_("导入学校"), frozenset({R.CITY_ADMIN, R.DISTRICT_OFFICER})),
    "school.export": (
        _("导出学校"),
        frozenset(
            {R.CITY_ADMIN, R.CITY_OFFICER, R.DISTRICT_OFFICER, R.PRINCIPAL, R.SAFETY_DIRECTOR}
        ),
    ),
    "audit.view": (_("查看审计日志"), frozenset({R.AUDITOR})),
    "catalog.view": (_("查看风险清单库"), _EVERY_BUSINESS_ROLE),
    "catalog.manage": (_("发布风险清单库"), frozenset({R.CITY_ADMIN, R.CITY_OFFICER})),
    "hazard.view": (_("查看隐患"), _EVERY_BUSINESS_ROLE),
    "hazard.report": (_("上报隐患"), _EVERY_BUSINESS_ROLE),
    "hazard.manage": (
        _("派发与验收隐患"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.DISTRICT_OFFICER, R.CITY_OFFICER}),
    ),
    "hazard.supervise": (_("挂牌督办重大隐患"), frozenset({R.DISTRICT_OFFICER, R.CITY_OFFICER})),
    "risklist.view": (_("查看学校三个清单"), _EVERY_BUSINESS_ROLE),
    "risklist.manage": (
        _("维护学校风险清单与责任清单"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR}),
    ),
    "inspection.view": (_("查看检查"), _EVERY_BUSINESS_ROLE),
    "inspection.plan": (
        _("组织检查与抽查"),
        frozenset(
            {R.CITY_ADMIN, R.CITY_OFFICER, R.DISTRICT_OFFICER, R.PRINCIPAL, R.SAFETY_DIRECTOR}
        ),
    ),
    "device.view": (_("查看技防设备与在线状态"), _EVERY_BUSINESS_ROLE),
    "device.manage": (
        _("维护技防设备台账"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.DISTRICT_OFFICER}),
    ),
    "defense.view": (_("查看人防物防与四个100%"), _EVERY_BUSINESS_ROLE),
    "defense.manage": (
        _("维护保安、护学岗、防护器械与封闭管理"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR}),
    ),
    "gatepost.sign": (
        _("护学岗签到"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.STAFF, R.GUARD}),
    ),
    "visitor.register": (
        _("来访人员出入登记"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.GUARD}),
    ),
    "patrol.view": (_("查看巡查点与巡查记录"), _EVERY_BUSINESS_ROLE),
    "patrol.scan": (
        _("扫码巡查"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.STAFF, R.GUARD}),
    ),
    "patrol.manage": (_("维护巡查点"), frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR})),
    "building.view": (_("查看校舍与消防抗震整改"), _EVERY_BUSINESS_ROLE),
    "building.manage": (
        _("维护校舍台账与整改项目"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.DISTRICT_OFFICER}),
    ),
    "remediation.accept": (
        _("验收消防抗震整改项目"),
        frozenset({R.DISTRICT_OFFICER, R.CITY_OFFICER}),
    ),
    "incident.view": (_("查看报警与突发事件"), _EVERY_BUSINESS_ROLE),
    "alarm.raise": (
        _("一键报警（页面或手机）"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.STAFF, R.GUARD, R.COUNSELLOR}),
    ),
    "alarm.reset": (
        _("报警复位"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.GUARD, R.DISTRICT_OFFICER}),
    ),
    "incident.raise": (
        _("发起突发事件"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.DISTRICT_OFFICER, R.CITY_OFFICER}),
    ),
    "incident.respond": (
        _("接警、处置与结案"),
        frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.DISTRICT_OFFICER, R.CITY_OFFICER}),
    ),
    "incident.command": (
        _("应急指挥大屏（区市与市局值班）"),
        frozenset({R.DISTRICT_OFFICER, R.CITY_OFFICER}),
    ),
    "plan.view": (_("查看应急预案"), _EVERY_BUSINESS_ROLE),
    "plan.manage": (
        _("制定与采用应急预案"),
        frozenset({R.CITY_ADMIN, R.CITY_OFFICER, R.PRINCIPAL, R.SAFETY_DIRECTOR}),
    ),
    "rules.view": (_("查看规则集"), _EVERY_BUSINESS_ROLE),
    "rules.manage": (_("配置规则集"), frozenset({R.CITY_ADMIN})),
    "notification.manage": (
        _("配置紧急消息推送（Webhook、群机器人）并查看投递记录"),
        frozenset({R.CITY_ADMIN, R.DISTRICT_OFFICER}),
    ),
    "user.manage": (
        _("管理用户与角色"),
        frozenset({R.CITY_ADMIN, R.DISTRICT_OFFICER, R.PRINCIPAL}),
    ),
}

# Which roles a manager may give (and take away) at units inside their scope: nobody hands
# out a role above their own.
ASSIGNABLE: dict[Role, frozenset[Role]] = {
    # Not the auditor: whoever administers the platform must not control who audits it
    # (等保 separation of duties). Auditors are appointed by the operator: `safecampus grant_role`.
    R.CITY_ADMIN: _EVERY_BUSINESS_ROLE,
    R.DISTRICT_OFFICER: frozenset(
        {R.INSPECTOR, R.PRINCIPAL, R.SAFETY_DIRECTOR, R.STAFF, R.GUARD, R.COUNSELLOR}
    ),
    R.PRINCIPAL: frozenset({R.SAFETY_DIRECTOR, R.STAFF, R.GUARD, R.COUNSELLOR}),
}

# The level of the tree each role is held at.
ROLE_UNIT_KINDS: dict[Role, frozenset[str]] = {
    R.CITY_ADMIN: frozenset({"province", "city"}),
    R.CITY_OFFICER: frozenset({"province", "city"}),
    R.AUDITOR: frozenset({"province", "city", "district"}),
    R.DISTRICT_OFFICER: frozenset({"district"}),
    R.INSPECTOR: frozenset({"province", "city", "district"}),
    R.PRINCIPAL: frozenset({"school"}),
    R.SAFETY_DIRECTOR: frozenset({"school"}),
    R.STAFF: frozenset({"school"}),
    R.GUARD: frozenset({"school"}),
    R.COUNSELLOR: frozenset({"school"}),
}


def roles_for(action: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[action][1]
    except KeyError:
        raise KeyError(
            f"unknown action {action!r}; declare it in access.roles.PERMISSIONS"
        ) from None
