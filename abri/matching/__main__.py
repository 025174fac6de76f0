"""Entry point of ``python -m abri.matching``."""

import sys

from .cli import main

sys.exit(main())
