from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hoiso.core"
    label = "core"
    verbose_name = "Hội Số"
