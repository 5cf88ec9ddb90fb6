"""A Jinja2 sandbox that bounds what one render of a prompt template may cost.

Jinja's own sandbox stops access to Python internals; it does not stop a template from looping
10^10 times, building ``'x' * 10**9`` or recursing through macros. :class:`BoundedSandbox` adds,
per render (see :func:`render_budget`):

- a **work budget** of :data:`MAX_STEPS` steps: every loop iteration, macro or method call,
  filter, operator and ``{{ }}`` output is one step;
- an **output budget** of :data:`MAX_OUTPUT_CHARS` characters: the total of everything emitted
  by ``{{ }}`` and by template text repeated in loops or macros (captured ``{% set %}`` blocks
  and macro bodies included), and the size of any single value a template builds (strings,
  lists, numbers: checked *before* an operator, filter or call allocates it);
- a **deadline** of :data:`RENDER_DEADLINE_S` seconds of wall time.

Exceeding any of them raises :class:`RenderLimitError` (a ``SecurityError``), which
:func:`zsvad.prompts.render.render_prompt` reports as a one-line ``PromptError``.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace, pass_context

MAX_OUTPUT_CHARS = 2_000_000
"""Characters one render may emit in total, and the largest value it may build."""
MAX_STEPS = 500_000
"""Loop iterations, calls, filters, operators and outputs one render may execute."""
RENDER_DEADLINE_S = 10.0
"""Wall-clock seconds one render may take."""
MAX_INT_BITS = 4096
"""Largest integer (in bits) ``*`` and ``**`` may produce."""

_TICK = "zsvad_tick"
_WIDE = re.compile(r"\d{7,}")  # a width / precision of 10^6 or more in a format string


class RenderLimitError(SecurityError):
    """A render went over its work, size or time budget."""


@dataclass(frozen=True)
class RenderLimits:
    max_output_chars: int = MAX_OUTPUT_CHARS
    max_steps: int = MAX_STEPS
    deadline_s: float = RENDER_DEADLINE_S


class _Budget:
    def __init__(self, limits: RenderLimits):
        self.limits = limits
        self.steps = 0
        self.chars = 0
        self.deadline = time.monotonic() + limits.deadline_s

    def tick(self, chars: int = 0) -> None:
        self.steps += 1
        self.chars += chars
        lim = self.limits
        if self.steps > lim.max_steps:
            raise RenderLimitError(f"template does more than {lim.max_steps} steps")
        if self.chars > lim.max_output_chars:
            raise RenderLimitError(f"template emits more than {lim.max_output_chars} characters")
        if time.monotonic() > self.deadline:
            raise RenderLimitError(f"template takes longer than {lim.deadline_s:g} s to render")


_BUDGET: ContextVar[_Budget | None] = ContextVar("zsvad_render_budget", default=None)


@contextlib.contextmanager
def render_budget(limits: RenderLimits | None = None):
    """Renders inside this block share one budget (default limits: the module constants)."""
    token = _BUDGET.set(_Budget(limits or RenderLimits()))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _limit() -> int:
    budget = _BUDGET.get()
    return budget.limits.max_output_chars if budget else MAX_OUTPUT_CHARS


def _tick(chars: int = 0) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.tick(chars)


def size_of(value: Any, limit: int) -> int:
    """Characters ``str(value)`` would take, roughly; stops counting once past ``limit`` (so it
    costs at most ``limit`` steps however deep or shared the value is)."""
    total, stack = 0, [value]
    while stack and total <= limit:
        v = stack.pop()
        total += 1
        if isinstance(v, (str, bytes)):
            total += len(v)
        elif isinstance(v, bool) or v is None:
            continue
        elif isinstance(v, int):
            total += v.bit_length() // 3
        elif isinstance(v, range):
            total += len(v)
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple, set, frozenset)):
            stack.extend(v)
        elif isinstance(v, Namespace):
            stack.append(object.__getattribute__(v, "_Namespace__attrs"))
        else:
            total += 16
    return total


def _refuse(what: str) -> None:
    raise RenderLimitError(what)


def _check_size(values, what: str) -> None:
    limit = _limit()
    total = 0
    for v in values:
        total += size_of(v, limit)
        if total > limit:
            _refuse(f"{what} would build a value over {limit} characters")


def _check_format(fmt: Any, what: str) -> None:
    if isinstance(fmt, str) and _WIDE.search(fmt):
        _refuse(f"{what}: width or precision of a million or more")


def _check_int_args(args, what: str) -> None:
    limit = _limit()
    for a in args:
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > limit:
            _refuse(f"{what}: argument {a} is over {limit}")


def _check_amplifier(name: str, args: tuple, kwargs: dict) -> None:
    """Checks for the filters / str methods whose output can be far larger than their input."""
    what = f"'{name}'"
    _check_int_args([*args, *kwargs.values()], what)
    if not args or not isinstance(args[0], str):
        if name == "join" and args and isinstance(args[0], (list, tuple)):
            sep = args[1] if len(args) > 1 else kwargs.get("d", "")
            _check_size([args[0], len(args[0]) * len(str(sep))], what)
        return
    s, limit = args[0], _limit()
    rest = list(args[1:]) + list(kwargs.values())
    if name == "replace" and len(rest) >= 2:
        old, new = str(rest[0]), str(rest[1])
        n = s.count(old) if old else len(s) + 1
        if len(s) + n * max(0, len(new) - len(old)) > limit:
            _refuse(f"{what} would build a value over {limit} characters")
    elif name in ("indent", "expandtabs"):
        width = rest[0] if rest else (4 if name == "indent" else 8)
        width = len(width) if isinstance(width, str) else int(width)
        n = s.count("\n" if name == "indent" else "\t") + 1
        if len(s) + n * width > limit:
            _refuse(f"{what} would build a value over {limit} characters")
    elif name == "format":
        _check_format(s, what)


_AMPLIFIERS = {
    "center",
    "ljust",
    "rjust",
    "zfill",
    "indent",
    "expandtabs",
    "replace",
    "wordwrap",
    "truncate",
    "format",
    "batch",
    "slice",
    "join",
}


def _checked_filter(name: str, func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        _tick()
        if name == "join":  # an iterator (e.g. from |map) is read once, to be measured
            args = tuple(
                list(a) if i == 1 and not isinstance(a, (str, list, tuple, dict)) else a
                for i, a in enumerate(args)
            )
        values = [a for a in args if not _is_jinja_internal(a)]
        _check_size([*values, *kwargs.values()], f"filter '{name}'")
        if name in _AMPLIFIERS:
            _check_amplifier(name, tuple(values), kwargs)
        out = func(*args, **kwargs)
        if isinstance(out, str) and len(out) > _limit():
            _refuse(f"filter '{name}' built a value over {_limit()} characters")
        return out

    return wrapper


def _is_jinja_internal(value: Any) -> bool:
    from jinja2.environment import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    return isinstance(value, (Environment, Context, EvalContext))


@pass_context
def _tick_filter(context, chars: int) -> str:
    """``{{ N|zsvad_tick }}``, put at the start of every loop and macro body: one step, and the
    ``N`` characters of template text that body repeats."""
    _tick(chars)
    return ""


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` through :meth:`BoundedSandbox.bounded_concat` (the sandbox does not
    intercept it)."""

    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _data_chars(body: list[nodes.Node]) -> int:
    """Characters of template text in ``body`` (nested loops counted again: an overestimate)."""
    return sum(len(n.data) for b in body for n in b.find_all(nodes.TemplateData))


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox prompt templates render in; see the module docstring."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"+", "*", "**", "%", "//"})

    def __init__(self, **options: Any):
        options.setdefault("finalize", self._finalize)
        super().__init__(**options)
        self.filters = {k: _checked_filter(k, f) for k, f in self.filters.items()}
        self.filters[_TICK] = _tick_filter

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        for node in list(tree.find_all((nodes.For, nodes.Macro, nodes.CallBlock))):
            tick = nodes.Filter(
                nodes.Const(_data_chars(node.body)), _TICK, [], [], None, None, lineno=node.lineno
            )
            node.body.insert(0, nodes.Output([tick], lineno=node.lineno))
        return tree

    @staticmethod
    def _finalize(value: Any) -> Any:
        limit = _limit()
        n = size_of(value, limit)
        if n > limit:
            _refuse(f"output of over {limit} characters")
        _tick(n)
        return value

    def bounded_concat(self, parts: tuple) -> str:
        _tick()
        _check_size(parts, "'~'")
        return "".join(str(p) for p in parts)

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        _tick()
        what = f"'{operator}'"
        ints = all(isinstance(v, int) for v in (left, right))
        if operator == "**" and ints and right > 0 and abs(left) > 1:
            if right * abs(left).bit_length() > MAX_INT_BITS:
                _refuse(f"{what}: number of more than {MAX_INT_BITS} bits")
        elif operator == "*" and ints:
            if abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS:
                _refuse(f"{what}: number of more than {MAX_INT_BITS} bits")
        elif operator == "*":
            seq, n = (left, right) if isinstance(right, int) else (right, left)
            big = isinstance(n, int) and n > 0 and not isinstance(seq, (int, float))
            if big and size_of(seq, _limit()) * n > _limit():
                _refuse(f"{what} would build a value over {_limit()} characters")
        else:
            if operator == "%":
                _check_format(left, what)
            _check_size((left, right), what)
        out = super().call_binop(context, operator, left, right)
        if isinstance(out, str) and len(out) > _limit():
            _refuse(f"{what} built a value over {_limit()} characters")
        return out

    def wrap_str_format(self, value: Any):
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:  # refuse '{:>999999999}'.format(...) before it runs
            _check_format(value.__self__, f"'{value.__name__}'")
        return wrapped

    def call(__self, __context, __obj, *args, **kwargs):
        _tick()
        bound = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "call")
        if isinstance(bound, str) and name in _AMPLIFIERS:
            _check_amplifier(name, (bound, *args), kwargs)
        if isinstance(bound, (str, list, tuple, dict)):
            _check_size((bound,), f"'{name}'")
        _check_size([*args, *kwargs.values()], f"'{name}'")
        out = super().call(__context, __obj, *args, **kwargs)
        if isinstance(out, str) and len(out) > _limit():
            _refuse(f"'{name}' built a value over {_limit()} characters")
        return out


#: tags that pull in other templates: refused when a template is validated
IMPORT_NODES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)
