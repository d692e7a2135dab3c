"""``python -m sim.cli``: the ``ttcsim`` command."""

import sys

from sim.cli import main

sys.exit(main())
