from safecampus.core.registry import SafeCampusAppConfig


class DemoConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.demo"
    verbose_name = "演示数据"
