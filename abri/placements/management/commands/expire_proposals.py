from django.core.management.base import BaseCommand

from abri.placements.services import proposals_expire, proposals_remind


class Command(BaseCommand):
    help = "Remind shelters of near deadlines and free the places of expired proposals (every few minutes)."

    def handle(self, *args: object, **options: object) -> None:
        reminded = proposals_remind()
        expired = proposals_expire()
        self.stdout.write(f"{reminded} reminders sent, {expired} proposals expired")
