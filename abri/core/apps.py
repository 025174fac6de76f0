from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "abri.core"
    label = "core"
