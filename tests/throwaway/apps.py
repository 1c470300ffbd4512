"""A throw-away domain app that plugs into the platform through its AppConfig alone, as
docs/adding-a-domain-app.md says: one menu entry, one action, one rule kind, one demo builder,
one page and one API route. Nothing outside this folder names it but the line that installs it
(settings.py here, for the test run)."""

from safecampus.access.roles import Role
from safecampus.core.registry import (
    Action,
    ApiRoute,
    DemoStep,
    MenuItem,
    SafeCampusAppConfig,
    SchoolPage,
)


class ThrowawayConfig(SafeCampusAppConfig):
    default = True
    name = "tests.throwaway"
    verbose_name = "演示用临时模块"
    menu = (MenuItem("值班签到", "throwaway:index", "duty.view", "check", "/throwaway/", 25),)
    school_pages = (SchoolPage("值班签到", "throwaway:school", "duty.view", 70),)
    actions = {
        "duty.view": Action("查看值班签到", frozenset({Role.PRINCIPAL, Role.DISTRICT_OFFICER})),
    }
    urls = "tests.throwaway.urls"
    api_routers = (ApiRoute("/throwaway", "tests.throwaway.api.router"),)
    rule_kinds = "tests.throwaway.rule_kinds.KINDS"
    demo = (DemoStep(35, "值班签到", "tests.throwaway.demo.build"),)
