from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "safecampus.notifications"
    verbose_name = "消息提醒"
