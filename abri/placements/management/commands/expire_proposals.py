from django.core.management.base import BaseCommand

from abri.placements.services import proposals_expire


class Command(BaseCommand):
    help = "Free the places of proposals left unanswered past their deadline (run every few minutes)."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"{proposals_expire()} proposals expired")
