import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abri.settings")
application = get_wsgi_application()

# Load the shipped geography and the placement engine once per worker at start-up, so that the
# first "Find a shelter" answers as fast as the next ones.
import abri.matching  # noqa: E402,F401
from abri.core import geography  # noqa: E402

geography.departements()
