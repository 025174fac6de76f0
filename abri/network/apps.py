from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "abri.network"
    label = "network"
