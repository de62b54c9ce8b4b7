"""``python -m govsite``."""

import sys

from .cli import main

sys.exit(main())
