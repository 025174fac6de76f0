from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "abri.search"
    label = "search"
