"""Sandboxed Jinja2 rendering of templates, and static checks of their Jinja source."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError

from zsvad.prompts.sandbox import IMPORT_NODES, BoundedSandbox, RenderLimits, render_budget
from zsvad.prompts.schema import PromptTemplate

#: globals a template may use; everything else (lipsum, cycler…) is removed
_GLOBALS = ("range", "dict", "namespace", "joiner")


class TemplateProblem(Exception):
    """A problem in the Jinja source of ``field`` at template line ``lineno`` (1-based)."""

    def __init__(self, field: str, message: str, lineno: int | None = None):
        self.field = field
        self.message = message
        self.lineno = lineno
        super().__init__(f"{field}: {message}")


def make_environment() -> BoundedSandbox:
    """The sandbox every template renders in: no Python internals, missing variables raise,
    work / output / time bounded (:mod:`zsvad.prompts.sandbox`)."""
    env = BoundedSandbox(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals = {k: v for k, v in env.globals.items() if k in _GLOBALS}
    return env


_ENV = make_environment()


def _unsafe_access(tree: nodes.Template) -> tuple[str, int] | None:
    """First attribute / item access to a private or dunder name, as (name, line)."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            name = node.arg.value
        else:
            continue
        if name.startswith("_") or name in {"mro", "func_globals", "gi_frame", "f_globals"}:
            return name, node.lineno
    return None


def check_source(field: str, source: str, declared: set[str]) -> set[str]:
    """Parse ``source`` and return the variables it uses; raise :class:`TemplateProblem` on
    syntax errors, access to Python internals, or variables not in ``declared``."""
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(field, f"Jinja syntax error: {exc.message}", exc.lineno) from exc
    for node in tree.find_all(IMPORT_NODES):
        tag = type(node).__name__.lower().replace("fromimport", "from ... import")
        raise TemplateProblem(
            field,
            f"'{{% {tag} %}}' is not allowed: a template must be self-contained",
            node.lineno,
        )
    bad = _unsafe_access(tree)
    if bad:
        raise TemplateProblem(
            field, f"access to Python internals ('{bad[0]}') is not allowed", bad[1]
        )
    used = meta.find_undeclared_variables(tree) - set(_ENV.globals)
    unknown = sorted(used - declared)
    if unknown:
        line = None
        for node in tree.find_all(nodes.Name):
            if node.name == unknown[0]:
                line = node.lineno
                break
        raise TemplateProblem(
            field,
            f"uses undeclared variable(s) {', '.join(unknown)}; declare them under 'variables'",
            line,
        )
    return used


@dataclass(frozen=True)
class RenderedPrompt:
    """A template filled in: the messages to send and a hash identifying them."""

    template: PromptTemplate
    system: str | None
    user: str

    @property
    def text_hash(self) -> str:
        """sha256 of the rendered system and user messages."""
        h = hashlib.sha256()
        h.update((self.system or "").encode())
        h.update(b"\x00")
        h.update(self.user.encode())
        return h.hexdigest()


def render_prompt(
    template: PromptTemplate, variables: dict[str, Any], limits: RenderLimits | None = None
) -> RenderedPrompt:
    """Render ``template`` with ``variables``; a missing variable raises ``PromptError`` naming
    it (extra variables are ignored). Each field renders within ``limits`` (work, output size,
    time); going over them, or any other failure of the template, is a ``PromptError``."""
    from zsvad.prompts.loader import PromptError

    where = f"prompt '{template.id}' v{template.version}"
    missing = sorted(template.variable_names - set(variables))
    if missing:
        raise PromptError(f"missing variable(s) {', '.join(missing)}", source=where)
    out: dict[str, str | None] = {"system": None, "user": ""}
    for field in ("system", "user"):
        source = getattr(template, field)
        if source is None:
            continue
        try:
            with render_budget(limits):
                out[field] = _ENV.from_string(source).render(**variables).strip()
        except UndefinedError as exc:
            raise PromptError(
                f"{field}: missing variable when rendering: {exc.message}",
                source=where,
            ) from exc
        except SecurityError as exc:
            raise PromptError(
                f"{field}: refused by the sandbox: {exc}",
                source=where,
            ) from exc
        except RecursionError as exc:
            raise PromptError(f"{field}: recursion too deep", source=where) from exc
        except (MemoryError, OverflowError) as exc:
            raise PromptError(f"{field}: too large to render: {exc}", source=where) from exc
        except Exception as exc:  # a template bug (e.g. 1 + 'a') fails this prompt, not the run
            raise PromptError(
                f"{field}: render failed: {type(exc).__name__}: {exc}", source=where
            ) from exc
    return RenderedPrompt(template, out["system"], out["user"] or "")
