from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "abri.placements"
    label = "placements"
