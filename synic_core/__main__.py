"""`python -m synic_core` is the headless `synic`: every subcommand but the dashboard, `serve` and `config`."""

import sys

from synic_core.cli import main

sys.exit(main())
