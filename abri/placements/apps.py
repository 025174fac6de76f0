from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "abri.placements"
    label = "placements"

    def ready(self) -> None:
        from abri.placements.effects import end_excluded_holds, end_holds
        from abri.referrals.workflow import register_effect

        # The request's workflow runs these after every step, in the step's transaction.
        register_effect("placements.end_holds", end_holds)
        register_effect("placements.end_excluded_holds", end_excluded_holds)
