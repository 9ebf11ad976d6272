"""The walk over the C source: every SynIC MSR write of a per-CPU function, with its condition and fields.

One write follows the kernel's pattern: `x.as_uint64 = hv_get_*msr(R)` (or `= 0`), assignments to
fields of `x`, then `hv_set_*msr(R, x.as_uint64)`. The walk follows if/else, `#if`/`#ifdef`, local
`bool`s and helpers of the same driver's files (inlined to depth 3). What it cannot read is
collected as a problem (file:line and the text) only where it decides a SynIC write; everything else
- error paths, mappings, calls outside the files - is left alone, as real files are full of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import tree_sitter_c
from tree_sitter import Language, Node, Parser

from synic_core.model.registers import PAGE_REGISTERS, REGISTERS
from synic_core.versions.derive.idioms import Idioms, key
from synic_core.versions.derive.worlds import Cond, Truth, Unknown, World, atom, both, either, everywhere, negate

MAX_DEPTH = 3
"""Helpers are followed this deep below the per-CPU function."""
Page = Literal["keep", "alloc", "clear"]
PARSER = Parser(Language(tree_sitter_c.language()))


@dataclass(frozen=True, slots=True)
class Site:
    file: str
    line: int
    chain: tuple[str, ...]

    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(slots=True)
class FieldSet:
    name: str
    value: int | str
    guard: Cond
    line: int


@dataclass(slots=True)
class Var:
    """A SynIC union being built: read from `register` (None: built from zero) under `guard`."""

    register: str | None
    guard: Cond
    line: int
    sets: list[FieldSet] = field(default_factory=list)


@dataclass(slots=True)
class RawWrite:
    register: str
    kind: Literal["rmw", "zero"]
    fields: dict[str, int | str]
    pages: dict[int, Page]  # world index -> what happens to the frame
    guard: Truth
    site: Site


@dataclass(slots=True)
class Scope:
    bools: dict[str, Cond] = field(default_factory=dict)
    vars: dict[str, Var] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    file: str
    node: Node


def parse(text: str) -> Node:
    return PARSER.parse(text.encode("utf-8")).root_node


def functions(files: dict[str, str]) -> dict[str, Function]:
    """Every function defined in the files, by name (the first definition wins, as the linker would refuse two)."""
    out: dict[str, Function] = {}
    for rel, text in files.items():
        stack = list(reversed(parse(text).children))
        while stack:  # top level, and inside #if/#ifdef blocks there (both branches: the kernel defines one)
            node = stack.pop()
            if node.type.startswith("preproc_") and node.type != "preproc_def":
                stack.extend(reversed(node.children))
            name = function_name(node)
            if name and name not in out:
                out[name] = Function(name, rel, node)
    return out


def function_name(node: Node) -> str | None:
    if node.type != "function_definition":
        return None
    decl = node.child_by_field_name("declarator")
    while decl is not None and decl.type in ("pointer_declarator", "function_declarator", "parenthesized_declarator"):
        if decl.type == "function_declarator":
            inner = decl.child_by_field_name("declarator")
            return text_of(inner) if inner is not None and inner.type == "identifier" else None
        decl = decl.child_by_field_name("declarator")
    return None


def text_of(node: Node | None) -> str:
    return node.text.decode("utf-8", errors="replace") if node is not None and node.text is not None else ""


def line_of(node: Node) -> int:
    return node.start_point[0] + 1


def called(node: Node) -> list[str]:
    """Names of the functions called anywhere inside the node."""
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "call_expression":
            out.append(text_of(n.child_by_field_name("function")))
        stack.extend(n.children)
    return out


class Walker:
    """Walks one per-CPU function of one driver; `writes` and `problems` hold the result."""

    def __init__(self, idioms: Idioms, worlds: tuple[World, ...], index: dict[str, Function]) -> None:
        self.idioms = idioms
        self.worlds = worlds
        self.index = index
        self.writes: list[RawWrite] = []
        self.problems: list[str] = []
        self.file = ""
        self.chain: tuple[str, ...] = ()
        self.unknown_registers: set[str] = set()  # each reported once, where it is first read or written
        self.assumed: set[str] = set()
        """Predicates read as constants (the table's `[assumed]`), to be listed with the result."""

    def problem(self, line: int, text: str) -> None:
        message = f"{self.file}:{line}: {text}"
        if message not in self.problems:
            self.problems.append(message)

    def unknown(self, u: Unknown) -> None:
        message = f"{u.file}:{u.line}: unknown condition {u.text!r}: add it to an idioms file with --idioms FILE or write this row by hand"
        if message not in self.problems:
            self.problems.append(message)

    # -- functions -----------------------------------------------------------------------------
    def run(self, name: str, guard: Cond, depth: int = 0) -> None:
        fn = self.index[name]
        outer = (self.file, self.chain)
        self.file, self.chain = fn.file, (*self.chain, name)
        self.check_parse(fn.node)
        body = fn.node.child_by_field_name("body")
        if body is not None:
            self.block(body.named_children, Scope(), guard, depth)
        self.file, self.chain = outer

    def check_parse(self, node: Node) -> None:
        """Malformed C inside a function derive reads: refused (a macro loop's missing `;` is the kernel's idiom, not an error)."""
        stack = [node]
        while stack:
            n = stack.pop()
            if n.is_missing and not (n.type == ";" and n.parent is not None and n.parent.type == "expression_statement"):
                self.problem(line_of(n), f"cannot parse the C here: a {n.type!r} is missing")
            elif n.type == "ERROR":
                self.problem(line_of(n), f"cannot parse the C here: {' '.join(text_of(n).split())[:60]!r}")
                continue
            stack.extend(n.children)

    # -- statements ----------------------------------------------------------------------------
    def block(self, stmts: list[Node], scope: Scope, guard: Cond, depth: int) -> Cond | None:
        """Walks statements in order; returns the condition under which control falls through (None: it never does)."""
        follows_macro_loop = False
        current: Cond | None = guard
        for stmt in stmts:
            if current is None:
                return None
            if stmt.type == "compound_statement" and follows_macro_loop:
                self.refuse_loop(stmt)
            else:
                current = self.statement(stmt, scope, current, depth)
            follows_macro_loop = stmt.type == "expression_statement" and any(c.is_missing for c in stmt.children)
        return current

    def statement(self, stmt: Node, scope: Scope, guard: Cond, depth: int) -> Cond | None:
        kind = stmt.type
        if kind == "compound_statement":
            return self.block(stmt.named_children, scope, guard, depth)
        if kind == "declaration":
            self.declaration(stmt, scope, guard, depth)
        elif kind == "expression_statement":
            expr = stmt.named_children[0] if stmt.named_children else None
            if expr is not None:
                self.expression(expr, scope, guard, depth)
        elif kind == "if_statement":
            return self.if_statement(stmt, scope, guard, depth)
        elif kind in ("preproc_if", "preproc_ifdef", "preproc_elif", "preproc_else"):
            return self.preproc(stmt, scope, guard, depth)
        elif kind == "return_statement":
            self.calls(stmt, scope, guard, depth)
            return None
        elif kind in ("goto_statement", "break_statement", "continue_statement"):
            return None
        elif kind == "labeled_statement":
            inner = [c for c in stmt.named_children if c.type != "statement_identifier"]
            return self.block(inner, scope, guard, depth)
        elif kind in ("for_statement", "while_statement", "do_statement", "switch_statement", "function_definition"):
            self.refuse_loop(stmt)  # a macro loop first in a block parses as a nested function definition
        return guard

    def writes_in(self, node: Node, seen: frozenset[str] = frozenset()) -> bool:
        """Does the code write a SynIC MSR, itself or through helpers of the driver's files (any depth)?"""
        for name in called(node):
            if name in self.idioms.write:
                return True
            if name in self.index and name not in seen and self.writes_in(self.index[name].node, seen | {name}):
                return True
        return False

    def refuse_loop(self, stmt: Node) -> None:
        if self.writes_in(stmt):
            self.problem(
                line_of(stmt), "a SynIC write inside a loop or switch: a patch-file sequence is a fixed list of writes; write it by hand"
            )

    def if_statement(self, stmt: Node, scope: Scope, guard: Cond, depth: int) -> Cond | None:
        self.calls(stmt.child_by_field_name("condition"), scope, guard, depth)
        cond = self.condition(stmt.child_by_field_name("condition"), scope)
        then = stmt.child_by_field_name("consequence")
        alt = stmt.child_by_field_name("alternative")
        fall_then = self.branch(then, scope, both(guard, cond), depth)
        fall_else = self.branch(alt, scope, both(guard, negate(self.worlds, cond)), depth)
        return self.join(guard, cond, fall_then, fall_else)

    def join(self, guard: Cond, cond: Cond, fall_then: Cond | None, fall_else: Cond | None) -> Cond | None:
        """After an if: where control continues. An exit under a condition the table cannot read is an error path."""
        if isinstance(cond, Unknown) or isinstance(guard, Unknown):
            return guard
        falls = [f for f in (fall_then, fall_else) if f is not None]
        if not falls:
            return None
        out = falls[0]
        for f in falls[1:]:
            out = either(out, f)
        return out

    def branch(self, node: Node | None, scope: Scope, guard: Cond, depth: int) -> Cond | None:
        if node is None:
            return guard
        if node.type in ("else_clause", "preproc_else"):
            return self.block(node.named_children, scope, guard, depth)
        if node.type == "preproc_elif":
            return self.preproc(node, scope, guard, depth)
        return self.statement(node, scope, guard, depth)

    def preproc(self, stmt: Node, scope: Scope, guard: Cond, depth: int) -> Cond | None:
        if stmt.type == "preproc_else":
            return self.block(stmt.named_children, scope, guard, depth)
        if stmt.type == "preproc_ifdef":
            name = text_of(stmt.child_by_field_name("name"))
            cond = self.lookup(f"defined({name})", line_of(stmt))
            if stmt.children and text_of(stmt.children[0]).strip() == "#ifndef":
                cond = negate(self.worlds, cond)
        else:
            cond = self.condition(stmt.child_by_field_name("condition"), scope)
        alt = stmt.child_by_field_name("alternative")
        skip = {"name", "condition", "alternative"}
        body = [c for i, c in enumerate(stmt.children) if c.is_named and stmt.field_name_for_child(i) not in skip]
        fall_then = self.block(body, scope, both(guard, cond), depth)
        fall_else = self.branch(alt, scope, both(guard, negate(self.worlds, cond)), depth)
        return self.join(guard, cond, fall_then, fall_else)

    # -- conditions ----------------------------------------------------------------------------
    def condition(self, node: Node | None, scope: Scope) -> Cond:
        if node is None:
            return everywhere(self.worlds)
        kind = node.type
        if kind in ("parenthesized_expression", "condition_clause") and node.named_children:
            return self.condition(node.named_children[-1], scope)
        if kind == "unary_expression" and text_of(node.child_by_field_name("operator")) == "!":
            return negate(self.worlds, self.condition(node.child_by_field_name("argument"), scope))
        if kind == "binary_expression":
            op = text_of(node.child_by_field_name("operator"))
            if op in ("&&", "||"):
                left = self.condition(node.child_by_field_name("left"), scope)
                right = self.condition(node.child_by_field_name("right"), scope)
                return both(left, right) if op == "&&" else either(left, right)
        if kind == "identifier" and text_of(node) in scope.bools:
            return scope.bools[text_of(node)]
        if kind in ("true", "false"):
            return everywhere(self.worlds) if kind == "true" else frozenset()
        return self.lookup(text_of(node), line_of(node))

    def lookup(self, text: str, line: int) -> Cond:
        meaning = self.idioms.predicates.get(key(text))
        if key(text) in self.idioms.assumed:
            self.assumed.add(key(text))
        return Unknown(" ".join(text.split()), line, self.file) if meaning is None else atom(self.worlds, meaning)

    def declaration(self, stmt: Node, scope: Scope, guard: Cond, depth: int) -> None:
        is_bool = text_of(stmt.child_by_field_name("type")) == "bool"
        for decl in stmt.children_by_field_name("declarator"):
            if decl.type == "init_declarator":
                self.calls(decl.child_by_field_name("value"), scope, guard, depth)
            if decl.type == "init_declarator" and is_bool:
                name = text_of(decl.child_by_field_name("declarator"))
                scope.bools[name] = self.condition(decl.child_by_field_name("value"), scope)
            elif decl.type == "identifier" and is_bool:
                scope.bools[text_of(decl)] = frozenset()

    # -- expressions ---------------------------------------------------------------------------
    def expression(self, expr: Node, scope: Scope, guard: Cond, depth: int) -> None:
        if expr.type == "assignment_expression" and text_of(expr.child_by_field_name("operator")) == "=":
            self.assignment(expr, scope, guard, depth)
        else:
            self.calls(expr, scope, guard, depth)

    def calls(self, node: Node | None, scope: Scope, guard: Cond, depth: int) -> None:
        """Every call inside an expression, arguments before the call (C's order): writes, and helpers to inline."""
        if node is None:
            return
        for child in node.children:
            self.calls(child, scope, guard, depth)
        if node.type == "call_expression":
            self.call(node, scope, guard, depth)

    def assignment(self, expr: Node, scope: Scope, guard: Cond, depth: int) -> None:
        left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
        assert left is not None and right is not None
        if left.type == "identifier" and text_of(left) in scope.bools:
            name = text_of(left)
            scope.bools[name] = self.assign_bool(scope.bools[name], self.condition(right, scope), guard)
            return
        if left.type == "field_expression" and text_of(left.child_by_field_name("operator")) == ".":
            var = text_of(left.child_by_field_name("argument"))
            fld = text_of(left.child_by_field_name("field"))
            if fld == "as_uint64":
                self.start_value(var, right, scope, guard)
                return
            if var in scope.vars:
                self.set_field(scope.vars[var], fld, right, guard)
                return
        self.calls(right, scope, guard, depth)

    def assign_bool(self, old: Cond, new: Cond, guard: Cond) -> Cond:
        """`b = new` under `guard`: new where the assignment runs, the old value elsewhere."""
        return either(both(guard, new), both(negate(self.worlds, guard), old))

    def start_value(self, var: str, right: Node, scope: Scope, guard: Cond) -> None:
        line = line_of(right)
        if right.type == "call_expression" and text_of(right.child_by_field_name("function")) in self.idioms.read:
            args = right.child_by_field_name("arguments")
            reg = self.register(args.named_children[0] if args is not None and args.named_children else None, line)
            if reg is not None:
                scope.vars[var] = Var(reg, guard, line)
        elif right.type == "number_literal" and self.number(text_of(right)) == 0:
            scope.vars[var] = Var(None, guard, line)
        else:
            self.problem(line, f"unknown value {text_of(right)!r} for {var}.as_uint64: expected a read of a SynIC MSR or 0")

    def set_field(self, var: Var, name: str, value: Node, guard: Cond) -> None:
        line = line_of(value)
        model = self.idioms.fields.get(name)
        if model is None:
            self.problem(line, f"unknown field {name!r}: add it to an idioms file with --idioms FILE or write this row by hand")
            return
        if model == "frame":
            page = self.page(value)
            if page is not None:
                var.sets.append(FieldSet(model, page, guard, line))
            return
        known = self.idioms.values.get(key(text_of(value)))
        if known is None and value.type == "number_literal":
            known = self.number(text_of(value))
        if known is None:
            self.problem(line, f"unknown value {text_of(value)!r} for field {name}: add it to an idioms file with --idioms FILE")
            return
        var.sets.append(FieldSet(model, known, guard, line))

    def page(self, value: Node) -> Page | None:
        if value.type == "number_literal" and self.number(text_of(value)) == 0:
            return "clear"
        if any(name in self.idioms.allocated for name in called(value)):
            return "alloc"
        self.problem(line_of(value), f"unknown page value {text_of(value)!r}: expected 0 or the PFN of an allocated page (idioms: pages)")
        return None

    @staticmethod
    def number(text: str) -> int | None:
        try:
            return int(text.rstrip("uUlL"), 0)
        except ValueError:
            return None

    def register(self, node: Node | None, line: int) -> str | None:
        text = text_of(node)
        reg = self.idioms.registers.get(key(text))
        if reg is None and key(text) not in self.unknown_registers:
            self.unknown_registers.add(key(text))
            self.problem(
                line, f"unknown register {' '.join(text.split())!r}: add it to an idioms file with --idioms FILE or write this row by hand"
            )
        return reg

    def call(self, expr: Node, scope: Scope, guard: Cond, depth: int) -> None:
        name = text_of(expr.child_by_field_name("function"))
        if name in self.idioms.write:
            self.write(expr, scope, guard)
        elif name in self.index and name not in self.chain:
            if depth < MAX_DEPTH:
                self.run(name, guard, depth + 1)
            elif self.writes_in(self.index[name].node, frozenset({name})):
                self.problem(
                    line_of(expr), f"{name} writes a SynIC MSR {MAX_DEPTH + 1} calls deep: derive follows helpers to depth {MAX_DEPTH}"
                )

    # -- the write -----------------------------------------------------------------------------
    def write(self, expr: Node, scope: Scope, guard: Cond) -> None:
        line = line_of(expr)
        args = expr.child_by_field_name("arguments")
        parts = args.named_children if args is not None else []
        if len(parts) != 2:
            self.problem(line, f"expected two arguments (register, value) in {' '.join(text_of(expr).split())!r}")
            return
        reg = self.register(parts[0], line)
        if isinstance(guard, Unknown):
            self.unknown(guard)
            return
        if reg is None:
            return
        if REGISTERS[reg].access != "rw":
            self.problem(line, f"{reg} is written here; a patch-file sequence holds only writes of the writable registers")
            return
        value = parts[1]
        if value.type == "number_literal" and self.number(text_of(value)) == 0:
            self.emit(RawWrite(reg, "zero", {}, dict.fromkeys(guard, "keep"), guard, self.site(line)))
            return
        var_name = text_of(value.child_by_field_name("argument")) if value.type == "field_expression" else ""
        var = scope.vars.get(var_name)
        if var is None or text_of(value.child_by_field_name("field")) != "as_uint64":
            self.problem(line, f"unknown value {text_of(value)!r} written to {reg}: expected x.as_uint64 of a union read or zeroed before")
            return
        self.from_var(reg, var, var_name, guard, line)

    def from_var(self, reg: str, var: Var, name: str, guard: Truth, line: int) -> None:
        if isinstance(var.guard, Unknown):
            self.unknown(var.guard)
            return
        if not guard <= var.guard:
            self.problem(line, f"{name} is read at line {var.line} only on some of the paths that write it here")
            return
        if var.register is not None and var.register != reg:
            self.problem(line, f"{name} was read from {var.register} (line {var.line}) and is written to {reg}")
            return
        fields: dict[str, int | str] = {}
        pages: dict[int, Page] = dict.fromkeys(guard, "keep")
        for s in var.sets:
            if isinstance(s.guard, Unknown):
                self.unknown(s.guard)
                continue
            if not s.guard & guard:
                continue
            if s.name == "frame":
                self.frame_set(reg, s, guard, pages)
            elif not guard <= s.guard:
                self.problem(
                    s.line, f"{name}.{s.name} is set only in some of the cases the write at line {line} runs: write this row by hand"
                )
            elif s.name not in [f.name for f in REGISTERS[reg].fields]:
                self.problem(s.line, f"{s.name} is not a field of {reg}")
            elif isinstance(s.value, int) and s.value >= 1 << (width := REGISTERS[reg].field(s.name).width):
                self.problem(s.line, f"{s.value} does not fit {reg}.{s.name} ({width} bit{'s' if width > 1 else ''})")
            else:
                fields[s.name] = s.value
        kind: Literal["rmw", "zero"] = "zero" if var.register is None else "rmw"
        self.emit(RawWrite(reg, kind, fields, pages, guard, self.site(line)))

    def frame_set(self, reg: str, s: FieldSet, guard: Truth, pages: dict[int, Page]) -> None:
        if reg not in PAGE_REGISTERS:
            self.problem(s.line, f"{reg} has no page frame")
            return
        assert isinstance(s.guard, frozenset) and s.value in ("alloc", "clear")
        for i in s.guard & guard:
            pages[i] = "alloc" if s.value == "alloc" else "clear"

    def site(self, line: int) -> Site:
        return Site(self.file, line, self.chain)

    def emit(self, w: RawWrite) -> None:
        if w.guard:
            self.writes.append(w)
