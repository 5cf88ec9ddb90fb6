"""Load prompt templates from YAML (safe loader only), with file / field / line in errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from zsvad import safeyaml
from zsvad.errors import ConfigError
from zsvad.paths import data_dir, read_text_file
from zsvad.prompts.render import TemplateProblem, check_source
from zsvad.prompts.schema import PromptTemplate
from zsvad.strict import problem

SUFFIXES = (".yaml", ".yml")


class PromptError(ConfigError):
    """An invalid prompt template, or one that cannot be found or rendered."""


def prompts_root() -> Path:
    """Folder of the bundled prompt templates (``prompts/``)."""
    return data_dir("prompts")


def _line_map(text: str) -> dict[tuple, tuple[int, yaml.Node]]:
    """Map every key path of the YAML document to (1-based line of the key, value node)."""
    root = safeyaml.compose(text)
    out: dict[tuple, tuple[int, yaml.Node]] = {}
    if root is None:
        return out
    out[()] = (root.start_mark.line + 1, root)

    def walk(node: yaml.Node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                p = (*path, k.value)
                out[p] = (k.start_mark.line + 1, v)
                walk(v, p)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                p = (*path, i)
                out[p] = (v.start_mark.line + 1, v)
                walk(v, p)

    walk(root, ())
    return out


def _line_of(lines: dict[tuple, tuple[int, yaml.Node]], loc: tuple) -> int | None:
    """Line of the deepest known prefix of ``loc``."""
    for n in range(len(loc), -1, -1):
        if tuple(loc[:n]) in lines:
            return lines[tuple(loc[:n])][0]
    return None


def _template_line(lines: dict, field: str, lineno: int | None) -> int | None:
    """File line of line ``lineno`` of the Jinja source in ``field``."""
    if (field,) not in lines:
        return None
    key_line, node = lines[(field,)]
    if lineno is None:
        return key_line
    block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
    return node.start_mark.line + 1 + (1 if block else 0) + lineno - 1


def parse_prompt_text(text: str, source: str | Path) -> PromptTemplate:
    """Validate the YAML ``text`` of a template; errors name ``source``, the field and line."""
    try:
        data = safeyaml.safe_load(text)
        lines = _line_map(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        raise PromptError(
            f"invalid YAML: {what}", source=source, line=mark.line + 1 if mark else None
        ) from exc
    if not isinstance(data, dict):
        raise PromptError("a prompt template must be a YAML mapping", source=source)
    try:
        template = PromptTemplate.model_validate(data)
    except ValidationError as exc:
        loc = tuple(exc.errors()[0]["loc"])
        raise PromptError(
            problem(exc, noun="field"), source=source, line=_line_of(lines, loc)
        ) from exc
    declared = template.variable_names
    for field in ("system", "user"):
        src = getattr(template, field)
        if src is None:
            continue
        try:
            check_source(field, src, declared)
        except TemplateProblem as exc:
            raise PromptError(
                f"field '{field}': {exc.message}",
                source=source,
                line=_template_line(lines, field, exc.lineno),
            ) from exc
    return template


def load_prompt_file(path: str | Path) -> PromptTemplate:
    """Load and validate one template file."""
    path = Path(path)
    return parse_prompt_text(read_text_file(path, "prompt file", PromptError), path)


@dataclass
class PromptIndex:
    """Templates found under a folder: id -> [(template, path)] sorted by version, and the
    files that failed to load."""

    by_id: dict[str, list[tuple[PromptTemplate, Path]]]
    errors: dict[Path, PromptError]


def find_prompts(root: str | Path | None = None) -> PromptIndex:
    """Load every template under ``root`` (default: the bundled ``prompts/``), recursively."""
    root = Path(root) if root is not None else prompts_root()
    by_id: dict[str, list[tuple[PromptTemplate, Path]]] = {}
    errors: dict[Path, PromptError] = {}
    files = sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    for path in files:
        try:
            t = load_prompt_file(path)
        except PromptError as exc:
            errors[path] = exc
            continue
        same = [p for u, p in by_id.get(t.id, []) if u.version == t.version]
        if same:
            errors[path] = PromptError(
                f"prompt '{t.id}' version {t.version} is also defined in {same[0]}", source=path
            )
            continue
        by_id.setdefault(t.id, []).append((t, path))
    for versions in by_id.values():
        versions.sort(key=lambda tp: tp[0].version_key)
    return PromptIndex(by_id, errors)


def resolve_prompt(ref: str, root: str | Path | None = None) -> tuple[PromptTemplate, Path]:
    """Find a template by path, ``id`` (highest version) or ``id@version``."""
    candidate = Path(ref)
    if candidate.suffix in SUFFIXES or candidate.is_file():
        return load_prompt_file(candidate), candidate
    pid, _, version = ref.partition("@")
    index = find_prompts(root)
    versions = index.by_id.get(pid)
    if not versions:
        broken = [str(p) for p in index.errors]
        hint = ""
        if broken:
            hint = f" ({len(broken)} template file(s) failed to load, e.g. {broken[0]})"
        known = ", ".join(sorted(index.by_id)) or "none"
        raise PromptError(f"unknown prompt '{pid}'; known: {known}{hint}")
    if not version:
        return versions[-1]
    for t, p in versions:
        if t.version == version:
            return t, p
    have = ", ".join(t.version for t, _ in versions)
    raise PromptError(f"prompt '{pid}' has no version {version}; versions: {have}")


def load_prompt(ref: str, root: str | Path | None = None) -> PromptTemplate:
    """A template by path, ``id`` or ``id@version``."""
    return resolve_prompt(ref, root)[0]


def validate_path(path: str | Path | None = None) -> tuple[list[Path], dict[Path, PromptError]]:
    """Validate a template file or every template under a folder; return (ok files, errors)."""
    path = Path(path) if path is not None else prompts_root()
    if path.is_file():
        try:
            _check_filled(load_prompt_file(path), path)
        except PromptError as exc:
            return [], {path: exc}
        return [path], {}
    if not path.is_dir():
        raise PromptError("no such file or folder", source=path)
    index = find_prompts(path)
    ok, errors = [], dict(index.errors)
    for versions in index.by_id.values():
        for template, p in versions:
            try:
                _check_filled(template, p)
                ok.append(p)
            except PromptError as exc:
                errors[p] = exc
    return sorted(ok), errors


def _check_filled(template: PromptTemplate, path: Path) -> None:
    """Refuse a template with a variable nothing can fill (see :mod:`zsvad.prompts.fill`)."""
    from zsvad.prompts.fill import unfilled, unfilled_message

    names = unfilled(template)
    if names:
        raise PromptError(unfilled_message(template, names), source=path)


def as_dict(template: PromptTemplate) -> dict[str, Any]:
    """The template as plain data (aliases used, e.g. ``schema``)."""
    return template.model_dump(mode="json", by_alias=True, exclude_none=True)
