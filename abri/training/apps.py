from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "abri.training"
    label = "training"
