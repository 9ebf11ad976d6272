"""The headless `synic` command: parsers and the subcommands that need no UI.

The core never imports the dashboard. `tui.cli` (the installed `synic`) passes in its front ends
(the dashboard, `serve`, `config`); without them `synic` shows the ownership table instead.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import get_args

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # no plugin scan: start-up matters for scripts

from synic_core.cli.derive_options import add_derive_output, add_tree_options, words_first
from synic_core.cli.parser_errors import EXIT_BAD_INPUT, OneLineParser
from synic_core.model.actions import ACTIONS
from synic_core.model.config import MAX_CPUS, parse_cpu_list
from synic_core.model.findings import KINDS
from synic_core.model.partitions import PARTITIONS
from synic_core.model.profiles import PROFILES
from synic_core.model.vocabulary import TraceFormat
from synic_core.system.package import package_version
from synic_core.versions.names import BUILTIN_NAMES, looks_like_file

SUBCOMMANDS = ("run", "explore", "versions", "lessons", "serve", "ownership", "explain", "config", "trace")
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool whose reader went away
EXIT_INTERRUPTED = 130  # 128 + SIGINT: Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM
FrontEnd = Callable[[argparse.Namespace], int]  # "dashboard", "serve" or "config", given by tui.cli


def cpu_count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of CPUs, got {text!r}") from None
    if not 1 <= n <= MAX_CPUS:
        raise argparse.ArgumentTypeError(f"expected 1..{MAX_CPUS} CPUs, got {n}")
    return n


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number {low}..{high}, got {text!r}") from None
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number {low}..{high}, got {n}")
        return n

    return parse


def seconds(text: str) -> float:
    """`--from` / `--to`: a trace timestamp in seconds."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a timestamp in seconds, e.g. 101.25, got {text!r}") from None


def version_ref(text: str) -> str:
    """`--mshv`: a built-in version's name or a patch file; the file is read (and checked) when it is used."""
    if text in BUILTIN_NAMES or looks_like_file(text):
        return text
    raise argparse.ArgumentTypeError(
        f"expected a built-in version ({', '.join(BUILTIN_NAMES)}) or a patch file (.toml or .json), got {text!r}"
    )


def cpu_list(text: str) -> list[int]:
    """`--channel-cpus 1,3` or `1-3`: CPU numbers, each once (their range is checked against --cpus with the scenario)."""
    try:
        return list(parse_cpu_list(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def explore_cpus(text: str) -> str:
    """`--cpus N`, `A-B` or `all` for explore: checked by the explorer itself (one-line message, exit 2)."""
    return text


def explore_depth(text: str) -> str:
    """`--depth D` for explore: checked by the explorer itself (one-line message, exit 2)."""
    return text


def add_settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--partition", choices=list(PARTITIONS), help="partition type (default l1vh)")
    parser.add_argument(
        "--mshv", type=version_ref, metavar="V|FILE", help=f"MSHV version: {', '.join(BUILTIN_NAMES)} or a patch file (default v4)"
    )
    parser.add_argument("--hypervisor", choices=list(PROFILES), help="hypervisor profile (default strict)")
    parser.add_argument("--cpus", type=cpu_count, help=f"number of CPUs, 1..{MAX_CPUS} (default 4)")
    parser.add_argument(
        "--channel-cpus",
        type=cpu_list,
        metavar="LIST",
        help="the CPUs VMBus channels are bound to, e.g. 1,3 or 1-3 (default 0; an assumption: real machines spread them)",
    )


def dashboard_parser() -> argparse.ArgumentParser:
    from synic_core.cli.completion import SHELLS, PrintCompletion

    p = OneLineParser(
        prog="synic",
        description=f"SynIC Lab {package_version()}: see who owns the Hyper-V SynIC registers that VMBus and MSHV share. "
        f"Without a subcommand, opens the dashboard. Subcommands: {', '.join(SUBCOMMANDS)} "
        "(synic SUBCOMMAND --help).",
    )
    p.add_argument("file", nargs="?", help="a scenario file (JSON or TOML) or built-in scenario to open")
    p.add_argument("--lesson", metavar="NAME", help="start a guided lesson (synic lessons lists them)")
    p.add_argument("--theme", metavar="NAME", help="a Textual theme, e.g. synic-high-contrast, textual-light")
    add_settings(p)
    p.add_argument("--version", action="version", version=f"synic-lab {package_version()}")
    p.add_argument(
        "--completion",
        action=PrintCompletion,
        const=lambda: (subcommand_parser(), dashboard_parser()),
        choices=SHELLS,
        help="print the shell completion script for bash, zsh or fish (see README: Shell completion)",
    )
    return p


def subcommand_parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="synic")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run",
        help="replay a scenario headless",
        description="Replay a scenario headless. Exit 0: no error or fault; 1: findings at error or above; 2: bad input.",
    )
    run.add_argument("target", nargs="?", help="a scenario file (JSON/TOML) or the name of a built-in scenario")
    run.add_argument("--list", action="store_true", help="list the built-in scenarios")
    run.add_argument("--trace", action="store_true", help="also print every MSR write (with --json: include them)")
    output = run.add_mutually_exclusive_group()
    output.add_argument(
        "--json", action="store_true", help="print one JSON object instead of tables: findings grouped, writes only with --trace"
    )
    output.add_argument("--markdown", action="store_true", help="print a Markdown report instead of tables")
    output.add_argument("--grid", action="store_true", help="print the final grid and the findings as plain text")
    output.add_argument("--ftrace", action="store_true", help="print the writes as an msr:write_msr trace with stacks (docs/traces.md)")
    output.add_argument("--kvm-trace", action="store_true", help="print the writes as a KVM host's kvm_hv_synic_set_msr trace")
    add_settings(run)  # the same overrides the dashboard accepts: the scenario's steps under other settings
    run.add_argument(
        "--compare",
        metavar="A,B",
        help="run under two MSHV versions (mainline,v4) or two hypervisor profiles (strict,lenient) and print the difference",
    )
    exp = sub.add_parser(
        "explore",
        help="search every order of actions for shortest counterexamples; --exhaustive proves what is unreachable",
        description="Breadth-first search over action sequences (kernel orders only unless --any-order). "
        "--exhaustive searches to the fixpoint, where a kind not found is unreachable by any sequence on that many "
        "CPUs, in this model. Exit 0: no error or fault reachable; 1: one is; 2: bad input or the memory limit; "
        "130: interrupted, 143: terminated (the partial result is printed). See docs/explorer.md.",
    )
    exp.add_argument("--partition", choices=list(PARTITIONS), default="l1vh")
    exp.add_argument(
        "--mshv", type=version_ref, action="append", metavar="V|FILE", help="MSHV version or patch file (default v4); with --all, adds rows"
    )
    exp.add_argument("--hypervisor", choices=list(PROFILES), default="strict")
    exp.add_argument(
        "--channel-cpus",
        type=cpu_list,
        metavar="LIST",
        help="the CPUs VMBus channels are bound to, e.g. 1 or 1-2 (default 0; those beyond a CPU count are left out)",
    )
    exp.add_argument(
        "--cpus",
        type=explore_cpus,
        default="2",
        metavar="N|A-B|all",
        help="CPUs to model, 1..8, A-B for a per-CPU-count table, or all: a proof for every number of CPUs (default 2)",
    )
    exp.add_argument("--depth", type=explore_depth, metavar="D", help="longest sequence, 1..1000 (default 6; not with --exhaustive)")
    exp.add_argument("--exhaustive", action="store_true", help="no depth bound: search until a level adds no new state (a proof)")
    exp.add_argument("--any-order", action="store_true", help="also orders the kernel cannot produce (labelled)")
    exp.add_argument("--json", action="store_true", help="print one JSON object")
    exp.add_argument("--out", metavar="DIR", help="write each counterexample as a scenario file into DIR")
    exp.add_argument("--all", action="store_true", help="every partition x version x profile, as a table (with a proof column)")
    exp.add_argument("--jobs", metavar="N", help="processes (default 2): --all and ranges search side by side; a search splits big levels")
    add_tree_options(exp)
    exp.add_argument("--max-memory", metavar="MB", help="stop cleanly (no proof, exit 2) above this; default half the available memory")
    srv = sub.add_parser(
        "serve",
        help="serve the dashboard to a browser (textual-serve)",
        description="Serve the dashboard on HOST:PORT; every browser tab gets its own session. The printed URL carries "
        "an access token; requests without it, or from another site, are refused. See docs/serving.md.",
    )
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; others need --public)")
    srv.add_argument("--port", type=_bounded(0, 65535), default=8000, help="port (default 8000; 0 picks a free one)")
    srv.add_argument("--public", action="store_true", help="allow a non-loopback --host: other machines may connect (with the token)")
    srv.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests naming this host (a DNS alias, a proxy); repeatable. Others get 403 (DNS rebinding)",
    )
    srv.add_argument("--token", metavar="VALUE", help="the access token (default: a new random one per start)")
    srv.add_argument("--no-token", action="store_true", help="no access token (only on a loopback host)")
    srv.add_argument("--max-sessions", type=_bounded(1, 256), default=8, help="browser tabs served at once, 1..256 (default 8)")
    srv.add_argument("--idle-timeout", metavar="TIME", default="30m", help="end a tab idle this long: 30m, 90s, 1h (default 30m)")
    srv.add_argument("--files", metavar="DIR", help="visitors may open the scenario/lesson files in DIR (read-only)")
    srv.add_argument("file", nargs="?", help="a scenario to open in every tab")
    srv.add_argument("--lesson", metavar="NAME", help="start every tab in this lesson")
    srv.add_argument("--theme", metavar="NAME", help="the theme of every tab")
    add_settings(srv)
    ver = sub.add_parser(
        "versions",
        help="list MSHV versions, show one, diff two; patch files work wherever a version does",
        description="synic versions [FILE...]: the built-in versions and these patch files, one line each. "
        "synic versions show V|FILE: the rules and every sequence as tables. synic versions diff A B: what differs, "
        "rules and sequences op by op, like a patch (exit 0: the model cannot tell them apart; 1: they differ). "
        "synic versions derive --tree DIR [--patch MAIL]: a patch file read from the kernel's C source. "
        "synic versions check --tree DIR V: derive, then diff against V. See docs/patch-files.md.",
    )
    ver.add_argument("what", nargs="*", metavar="show V | diff A B | derive | check V | FILE", help="what to print (default: the list)")
    ver.add_argument("--json", action="store_true", help="print JSON")
    ver.add_argument(
        "--vocabulary", action="store_true", help="every rule, sequence, register field, condition and frame rule a patch file may use"
    )
    add_tree_options(ver)
    add_derive_output(ver)
    add_trace_parser(sub)
    sub.add_parser("lessons", help="list the guided lessons (open one with synic --lesson NAME)")
    own = sub.add_parser("ownership", help="print the ownership table and the model's assumptions")
    own.add_argument("--partition", choices=list(PARTITIONS))
    why = sub.add_parser("explain", help="explain the finding kinds and what they model")
    why.add_argument("kind", nargs="?", choices=list(KINDS))
    cfg = sub.add_parser(
        "config",
        help="show the user config in force and check it (exit 2 on problems)",
        description="Where the user config is looked for, the settings in force and where each "
        "comes from. Exit 0: fine; 2: the config has problems and the dashboard uses the defaults.",
    )
    cfg.add_argument("--keys", action="store_true", help="list the key bindings and the ids that rebind them")
    cfg.add_argument("--themes", action="store_true", help="list the theme names")
    cfg.add_argument("--template", action="store_true", help="print a commented config file to start from")
    return p


def add_trace_parser(sub: argparse._SubParsersAction[OneLineParser]) -> None:
    trace = sub.add_parser(
        "trace",
        help="import a real trace of SynIC MSR writes (ftrace, trace-cmd report, KVM): who wrote what, findings, --check",
        description="Read a trace of SynIC MSR writes, attribute each write to VMBus or MSHV (by stack, else inferred), "
        "and report findings; --check replays the inferred actions under --mshv and reports each CPU's first divergence. "
        "The report is a summary of every write, judged window by window in bounded memory; --writes lists every write "
        "(it keeps the trace whole: the first 500,000 writes are judged). "
        "Exit 0: no error or fault (with --check: conforms, no fault); 1: otherwise; 2: bad input; 130: Ctrl-C. See docs/traces.md.",
    )
    trace.add_argument(
        "file", help="a text trace: /sys/kernel/tracing/trace, trace-cmd report output, or a KVM host's trace; - reads standard input"
    )
    trace.add_argument(
        "--partition",
        choices=list(PARTITIONS),
        help="partition type (default: guessed from the trace: nested_root if it writes 0x400010xx, "
        "root if MSHV writes SCONTROL/SIMP/SIEFP and VMBus nothing, else l1vh)",
    )
    trace.add_argument("--mshv", type=version_ref, metavar="V|FILE", help="MSHV version or patch file to check against (default v4)")
    trace.add_argument("--hypervisor", choices=list(PROFILES), help="hypervisor profile (default strict; lenient for KVM traces)")
    trace.add_argument("--format", choices=list(get_args(TraceFormat)), help="force the format (default: detected)")
    trace.add_argument(
        "--check", action="store_true", help="replay the inferred actions under --mshv and report each CPU's first divergence"
    )
    trace.add_argument(
        "--dmesg",
        metavar="LOG",
        help="the kernel log (dmesg, journalctl -k, a serial console): its 'unchecked MSR access error' lines say which writes faulted",
    )
    trace.add_argument("--guest", type=_bounded(0, 2**32 - 1), metavar="PID", help="a KVM host trace: the guest (VMM PID) to judge")
    trace.add_argument("--cpus", type=cpu_count, metavar="N", help="the traced CPUs (default: from the trace; KVM: the vCPUs)")
    trace.add_argument("--writes", action="store_true", help="after the summary, list every write (with --json: the writes, streamed)")
    trace.add_argument("--cpu", dest="only_cpu", type=_bounded(0, MAX_CPUS - 1), metavar="N", help="only CPU N (lists its writes)")
    trace.add_argument("--from", dest="start", type=seconds, metavar="TIME", help="list the writes from this timestamp (seconds)")
    trace.add_argument("--to", dest="end", type=seconds, metavar="TIME", help="list the writes up to this timestamp (seconds)")
    trace.add_argument("--quiet", action="store_true", help="no progress or notes on standard error")
    trace.add_argument("--json", action="store_true", help="print one JSON object")
    trace.add_argument("--dashboard", action="store_true", help="open the trace in the dashboard: play it write by write")


def main(argv: Sequence[str] | None = None, front_ends: Mapping[str, FrontEnd] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    front_ends = front_ends or {}
    mistyped = _mistyped_subcommand(args)
    if mistyped:
        print(f"synic: {mistyped}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args and args[0] in SUBCOMMANDS:
        parser = subcommand_parser()
        ns, extra = parser.parse_known_args(words_first(args))
        if extra:  # `synic lessons --json`: the subcommand's own usage, not the top level's
            _subparser(parser, ns.command).error(f"unrecognized arguments: {' '.join(extra)}")
        return guarded(front_ends.get(ns.command, run_subcommand), ns)
    ns = dashboard_parser().parse_args(args)
    return guarded(front_ends.get("dashboard", show_model), ns)


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]  # type: ignore[no-any-return]


def _mistyped_subcommand(args: list[str]) -> str:
    """`synic rn`: not a subcommand, not a file and not a built-in scenario, but close to a subcommand."""
    if not args or args[0].startswith("-") or args[0] in SUBCOMMANDS or os.path.exists(args[0]):
        return ""
    from synic_core.scenarios.scenario import builtin_names

    if args[0] in builtin_names():
        return ""
    import difflib

    close = difflib.get_close_matches(args[0], SUBCOMMANDS, n=1, cutoff=0.6)
    return f"{args[0]!r} is not a subcommand, a file or a built-in scenario; did you mean 'synic {close[0]}'?" if close else ""


def guarded(handler: FrontEnd, ns: argparse.Namespace) -> int:
    """Bad input anywhere ends in one line on stderr and exit 2, never a traceback.

    Ctrl-C and SIGTERM end a command with one line and exit 130 / 143 (what a shell reports for a
    tool killed by them), never a traceback; files being saved are removed (`storage.atomic`).

    An unexpected internal error is not bad input and not "findings" (exit 1): it exits with its
    own code (70) and says where the report with the traceback was written.
    """
    from synic_core.inputs.bad_input import InputError, one_line

    try:
        with sigterm_stops(ns):
            return _signalled(handler(ns))
    except SigTerm:
        _forget_interrupt()
        print("synic: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        _forget_interrupt()
        print("synic: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except InputError as exc:
        print(f"synic: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `synic run ... | head`: the reader left; stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # a bug: one line, a report file, exit 70
        from synic_core.storage.crash_report import EXIT_INTERNAL, write_report

        report = write_report(exc)
        where = f"the report is in {report}" if report else "no report could be written"
        print(f"synic: internal error ({one_line(type(exc).__name__)}: {one_line(str(exc))[:200]}); {where}", file=sys.stderr)
        return EXIT_INTERNAL


def _forget_interrupt() -> None:
    """CPython marks a KeyboardInterrupt that passed through code run by `exec()` as unhandled even when it is caught
    later (dataclasses and namedtuples build their methods with `exec()`: a Ctrl-C while modules load can land there),
    and `python -m synic_core` then ends killed by SIGINT instead of exiting 130/143. Running code through `exec()`
    clears the mark (each such run starts by resetting it); tests/core/test_signals.py sends the signal at start-up."""
    exec("")  # a constant empty program


class SigTerm(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that the clean stop of Ctrl-C runs for it too."""


_SERVES_ITSELF = ("serve", "dashboard")  # aiohttp and Textual handle their own signals


@contextlib.contextmanager
def sigterm_stops(ns: argparse.Namespace) -> Iterator[None]:
    """Within the block SIGTERM raises `SigTerm` (not for `serve` and the dashboard, which stop themselves)."""

    def stop(signum: int, frame: object) -> None:
        _TERMINATED.append(signum)  # a command that stops on Ctrl-C by itself (exit 130) still exits as terminated
        raise SigTerm

    if getattr(ns, "command", "dashboard") in _SERVES_ITSELF or getattr(ns, "dashboard", False):
        yield
        return
    old = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _signalled(code: int) -> int:
    """The explorer and `trace -` stop on SIGTERM as on Ctrl-C (exit 130, what was done so far): the exit code says SIGTERM."""
    pool = sys.modules.get("synic_core.explore.pool")
    terminated = bool(_TERMINATED) or (pool is not None and pool.TERMINATED.is_set())
    return EXIT_TERMINATED if code == EXIT_INTERRUPTED and terminated else code


_TERMINATED: list[int] = []
"""SIGTERM arrived (a command may catch the `SigTerm` it raises, as Ctrl-C, and return 130 itself)."""


def show_model(ns: argparse.Namespace) -> int:
    """Without the dashboard package: the ownership table, the model's most useful page."""
    from synic_core.cli.console import console as make_console
    from synic_core.cli.tables import ownership

    return ownership(make_console(), ns.partition)


def run_subcommand(ns: argparse.Namespace) -> int:
    from synic_core.inputs.bad_input import InputError

    if ns.command == "run":
        return _run(ns)
    if ns.command == "trace":
        from synic_core.cli import trace_cmd

        return trace_cmd.run(ns)
    if ns.command in ("serve", "config"):
        raise InputError(
            f"{ns.command}: a dashboard command: run it as `synic {ns.command}` (the headless python -m synic_core has no dashboard)"
        )
    from synic_core.cli.console import console as make_console

    console = make_console()
    if ns.command == "explore":
        from synic_core.cli import explore_cmd

        opts = explore_cmd.options(ns)
        if opts.every_cpu_count:
            from synic_core.cli import explore_every_n

            return explore_every_n.run(opts)
        return explore_cmd.run_options(opts)
    if ns.command == "versions":
        from synic_core.cli import versions_cmd

        if ns.what[:1] in (["derive"], ["check"]) or versions_cmd.derive_options_given(ns):
            return versions_cmd.run_derive(ns)
        return versions_cmd.run(ns.what, ns.json, ns.vocabulary)
    if ns.command == "lessons":
        from synic_core.cli.tables import lessons

        return lessons(console)
    if ns.command == "ownership":
        from synic_core.cli.tables import ownership

        return ownership(console, ns.partition)
    from synic_core.cli.tables import explain

    return explain(console, ns.kind)


def _refuse_lesson(target: str) -> None:
    """A lesson file given to `synic run` gets a pointer to where lessons play, not pydantic's "extra inputs"."""
    from synic_core.inputs.bad_input import InputError
    from synic_core.scenarios.scenario import read_file

    if not os.path.isfile(target):
        return
    data = read_file(Path(target))
    if isinstance(data, dict) and "intro" in data:
        raise InputError(
            f"{target}: a lesson file, not a scenario: open it in the dashboard with synic {target} (or synic --lesson {target})"
        )


def _run(ns: argparse.Namespace) -> int:
    """`--json` stays on the light path: no rich, no textual."""
    from synic_core.inputs.bad_input import InputError, one_line
    from synic_core.scenarios.scenario import load, replay

    if ns.list:
        from synic_core.cli import run_cmd

        return run_cmd.list_builtins()
    if not ns.target:
        raise InputError("run: expected a scenario file or built-in name (synic run --list shows them)")
    _refuse_lesson(ns.target)
    scenario = load(ns.target)
    overrides = {k: getattr(ns, k) for k in ("partition", "mshv", "hypervisor", "cpus", "channel_cpus") if getattr(ns, k, None)}
    versions_compared = bool(ns.compare) and ns.compare.split(",")[0].strip() not in PROFILES
    for notice in [] if "mshv" in overrides or versions_compared else scenario.notices:  # about the embedded version in use
        print(f"synic: note: {one_line(notice)}", file=sys.stderr)
    if overrides:
        from synic_core.scenarios.scenario import with_settings

        scenario = with_settings(scenario, overrides, f"{ns.target} with command-line settings")
    if ns.compare:
        return _compare(ns, scenario)
    if ns.json:  # replayed as it is written: one step's writes in memory at a time
        from synic_core.reports.json_report import stream_run

        return stream_run(scenario, ns.target, sys.stdout, writes=ns.trace)
    session = replay(scenario, ns.target)
    from synic_core.reports.json_report import exit_code

    if ns.ftrace or ns.kvm_trace:
        from synic_core.reports.safe_text import visible
        from synic_core.traces.export import export_lines

        lines = export_lines(session, "kvm" if ns.kvm_trace else "ftrace")
        sys.stdout.writelines(visible(line) + "\n" for line in lines)  # kernel function names come from patch files
        return exit_code(session)
    if ns.grid:
        from synic_core.reports.text_grid import text_grid

        sys.stdout.write(text_grid(session))
        return exit_code(session)
    if ns.markdown:
        from synic_core.reports.markdown import markdown_report

        sys.stdout.write(markdown_report(scenario, session))
        return exit_code(session)
    from synic_core.cli import run_cmd

    return run_cmd.print_run_result(scenario, session, ns.trace)


def _compare(ns: argparse.Namespace, scenario: object) -> int:
    import json

    from synic_core.reports.json_report import exit_code
    from synic_core.scenarios.compare import compare, compare_dict

    left, right, diffs = compare(scenario, ns.compare, ns.target)  # type: ignore[arg-type]
    if ns.json:
        data = {"scenario": scenario.dump(), "compare": compare_dict(left, right, diffs)}  # type: ignore[attr-defined]
        print(json.dumps(data, indent=1))
    else:
        from synic_core.cli.run_cmd import print_compare

        print_compare(scenario, left, right, diffs)  # type: ignore[arg-type]
    return max(exit_code(left.session), exit_code(right.session))


__all__ = ["ACTIONS", "main"]
