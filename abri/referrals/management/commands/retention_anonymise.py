from django.core.management.base import BaseCommand

from abri.referrals.services import retention_anonymise


class Command(BaseCommand):
    help = "Anonymise the files inactive for two years (run daily from a timer)."

    def handle(self, *args: object, **options: object) -> None:
        count = retention_anonymise()
        self.stdout.write(f"{count} person files anonymised")
