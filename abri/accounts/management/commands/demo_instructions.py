from django.core.management.base import BaseCommand

from abri.accounts.demo import DEMO_PASSWORD, ensure_demo_allowed
from abri.accounts.models import User

DEMO_USERNAMES = [
    "coordination",
    "admin",
    "orienteur",
    "orienteur2",
    "chrs",
    "chrs2",
    "partenaire",
    "observateur",
]


class Command(BaseCommand):
    help = "Print the demo accounts and how to sign in with their second factor (development only)."

    def handle(self, *args: object, **options: object) -> None:
        ensure_demo_allowed()
        users = User.objects.filter(username__in=DEMO_USERNAMES).select_related("organisation")
        self.stdout.write("")
        self.stdout.write("Demo accounts (synthetic data), password for all: " + DEMO_PASSWORD)
        for user in sorted(users, key=lambda u: DEMO_USERNAMES.index(u.username)):
            self.stdout.write(f"  {user.username:<14} {user.get_role_display():<28} {user.organisation}")
        self.stdout.write("")
        self.stdout.write("Sign in at http://127.0.0.1:8000/ (passkeys need http://localhost:8000/).")
        self.stdout.write(
            "The second factor is a TOTP code; in another terminal, print a demo user's current code:"
        )
        self.stdout.write("  .venv/bin/python manage.py demo_totp coordination")
        self.stdout.write("")
