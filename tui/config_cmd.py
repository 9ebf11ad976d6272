"""`synic config`: where the user config is looked for, what is in force and where each value comes from.

It doubles as a checker: exit 0 when the config is fine, 2 when it has problems (then the dashboard
would use the built-in defaults).
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from synic_core.cli.user_config import PATH_VARIABLE, LoadedConfig, UserConfig
from synic_core.model.config import MAX_CPUS
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.system.package import package_version
from synic_core.versions.names import BUILTIN_NAMES
from tui.commands import COMMANDS, key_label
from tui.keymap import effective_keys
from tui.launch import dashboard_config

TEMPLATE = f"""\
# SynIC Lab user config: defaults for new dashboard sessions (scenario files keep their own settings).
# Looked for at $XDG_CONFIG_HOME/synic-lab/config.toml (~/.config/...), or where {PATH_VARIABLE} points.
# Every setting can also come from the environment: SYNIC_CPUS=8, SYNIC_KEYS__KEXEC=K, ...
# Command-line flags win over the environment, which wins over this file.

partition = "l1vh"        # {", ".join(PARTITION_NAMES)}
mshv = "v4"               # {", ".join(BUILTIN_NAMES)}, or a patch file (synic versions)
hypervisor = "strict"     # {", ".join(PROFILE_NAMES)}
cpus = 4                  # 1..{MAX_CPUS}
# theme = "synic-high-contrast"   # any Textual theme (synic config --themes lists them)

[keys]                    # command id = keys (synic config --keys lists the ids)
# kexec = "K,ctrl+k"
# help = "f1,question_mark"
"""


def show_config(console: Console, keys: bool, template: bool, themes: bool) -> int:
    if template:
        console.out(TEMPLATE, highlight=False)
        return 0
    loaded = dashboard_config()
    if themes:
        from tui.themes import theme_names

        console.out("\n".join(theme_names()), highlight=False)
        return 0
    console.print(f"synic-lab {package_version()}", highlight=False)
    where = str(loaded.path) if loaded.path else f"none ({PATH_VARIABLE} is empty)"
    state = "found" if loaded.found else "not found: the built-in defaults apply"
    console.print(f"Config file: [bold]{escape(where)}[/] ({state})", soft_wrap=True)
    console.print(keys_table(loaded.config.keys) if keys else settings_table(loaded))
    for problem in loaded.problems:
        console.print(f"[bold]problem:[/] {escape(problem)}", highlight=False, soft_wrap=True)
    if loaded.problems:
        console.print("The dashboard ignores this config and uses the built-in defaults until it is fixed.")
        return 2
    return 0


def settings_table(loaded: LoadedConfig) -> Table:
    table = Table(title="Settings in force", title_justify="left")
    for col in ("setting", "value", "from"):
        table.add_column(col)
    for name in UserConfig.model_fields:
        value = getattr(loaded.config, name)
        shown = ", ".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else value
        source = loaded.source_of(name)
        table.add_row(
            name, escape(str(shown if shown not in ("", None) else "(none)")), "the file" if source == str(loaded.path) else source
        )
    return table


def keys_table(user_keys: dict[str, str]) -> Table:
    keys = effective_keys(user_keys)
    table = Table(title=escape("Key bindings (the id is what [keys] in the config rebinds)"), title_justify="left")
    for col in ("id", "keys", "what it does"):
        table.add_column(col)
    for c in COMMANDS:
        mark = " (yours)" if c.id in user_keys else ""
        table.add_row(c.id, escape(key_label(",".join(keys[c.id]))) + mark, c.description)
    return table
