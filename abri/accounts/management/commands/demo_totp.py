from django.core.management.base import BaseCommand, CommandError

from abri.accounts.demo import current_code


class Command(BaseCommand):
    help = "Print a demo user's current second-factor code (development only), to sign in without a phone."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("username")

    def handle(self, *args: object, **options: object) -> None:
        try:
            self.stdout.write(current_code(str(options["username"])))
        except Exception as exc:
            raise CommandError(f"no demo code: {exc}") from exc
