from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "abri.placements"
    label = "placements"

    def ready(self) -> None:
        from abri.placements.effects import end_holds
        from abri.referrals.workflow import register_effect

        # The request's workflow runs this after every step, in the step's transaction.
        register_effect("placements.end_holds", end_holds)
