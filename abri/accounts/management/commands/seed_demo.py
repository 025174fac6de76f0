from django.core.management.base import BaseCommand, CommandError

from abri.accounts.demo import DEFAULT_SEED, DEMO_PASSWORD, build_demo_network, ensure_demo_allowed
from abri.accounts.models import Organisation


class Command(BaseCommand):
    help = "Build the synthetic demo network (development only)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when organisations exist")

    def handle(self, *args: object, **options: object) -> None:
        try:
            ensure_demo_allowed()
        except Exception as exc:
            raise CommandError(str(exc)) from exc
        if Organisation.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo network already loaded.")
                return
            raise CommandError("the database is not empty: seed_demo builds a network from scratch")
        accounts = build_demo_network(seed=int(options["seed"]))  # type: ignore[call-overload]
        self.stdout.write(f"Demo network built: {Organisation.objects.count()} organisations.")
        self.stdout.write(f"Demo password for every account: {DEMO_PASSWORD}")
        for account in accounts:
            self.stdout.write(f"  {account.username:<14} {account.role:<28} {account.organisation}")
