from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "abri.audit"
    label = "audit"
