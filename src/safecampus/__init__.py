"""SafeCampus 平安校园智慧管理平台."""

__version__ = "0.1.0"
