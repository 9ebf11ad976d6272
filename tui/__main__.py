"""`python -m tui` is the `synic` command (browser tabs of `synic serve` run it)."""

import sys

from tui.cli import main

sys.exit(main())
