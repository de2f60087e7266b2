"""``python -m mtm.cli``."""

import sys

from mtm.cli.app import main

sys.exit(main())
