"""`python -m synic_core` is the headless `synic`: every subcommand but the dashboard, `serve` and `config`."""

import sys

from .cli import main

sys.exit(main())
