"""Parser errors in one line: `synic explore: --partition: invalid choice 'foo' (expected one of root, …); see synic explore --help`.

argparse prints its usage block (5 to 7 lines) before an error; the project's rule for bad input is one
line naming what was wrong and what was expected, exit 2. The line names where `--help` is instead.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

EXIT_BAD_INPUT = 2
INVALID_CHOICE = re.compile(r"invalid choice: (?P<value>.*?) \(choose from (?P<choices>.*)\)$")


def one_line_message(message: str) -> str:
    """argparse's wording made plain: no "argument " before the option, choices listed without quotes."""
    message = message.removeprefix("argument ")
    m = INVALID_CHOICE.search(message)
    if m is not None:
        choices = ", ".join(c.strip().strip("'") for c in m["choices"].split(","))
        message = f"{message[: m.start()]}invalid choice {m['value']} (expected one of {choices})"
    return " ".join(message.split())


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on standard error and exit 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {one_line_message(message)}; see {self.prog} --help", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
