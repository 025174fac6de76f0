from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "abri.referrals"
    label = "referrals"
