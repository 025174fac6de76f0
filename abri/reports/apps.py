from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "abri.reports"
    label = "reports"
