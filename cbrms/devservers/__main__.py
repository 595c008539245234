"""``python -m cbrms.devservers``."""

import sys

from cbrms.devservers.commands import main

sys.exit(main())
