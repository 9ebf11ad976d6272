"""The options that read a kernel tree (`synic versions derive|check`, `synic explore --tree`): kept light, the parser imports them."""

from __future__ import annotations

import argparse


def add_tree_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tree", metavar="DIR", help="a kernel tree holding drivers/hv/mshv_synic.c (and hv.c): derive the version from it"
    )
    parser.add_argument("--patch", metavar="MAIL", action="append", default=[], help="with --tree: a patch mail applied in memory first")
    parser.add_argument("--idioms", metavar="FILE", help="with --tree: more idioms (a TOML table like the shipped one)")


def add_derive_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", metavar="FILE", help="derive: write the patch file here (default: standard output)")
    parser.add_argument("--name", default="derived", help="derive: the derived version's name (default derived)")
    parser.add_argument("--based-on", metavar="V|FILE", help="derive: where what the source cannot tell comes from (default mainline)")


VALUE_OPTIONS = ("--tree", "--patch", "--idioms", "-o", "--output", "--name", "--based-on")


def words_first(args: list[str]) -> list[str]:
    """`synic versions show --json v4`, `check --tree DIR v4`: argparse's word list stops at an option, so the words move first."""
    if args[:1] != ["versions"]:
        return args
    words, opts = [], []
    rest = iter(args[1:])
    for arg in rest:
        if arg in VALUE_OPTIONS:
            opts += [arg, next(rest, "")]
        elif arg.startswith("-") and arg != "-":
            opts.append(arg)
        else:
            words.append(arg)
    return [args[0], *words, *opts]
