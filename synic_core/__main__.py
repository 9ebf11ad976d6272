"""`python -m synic_core` is the `synic` command."""

import sys

from .cli import main

sys.exit(main())
