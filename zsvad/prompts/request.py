"""One way to turn a rendered prompt into a backend request, and to read its answer back.

What the request holds depends on what the backend can do (its ``capabilities``): ``choices``
when the template's output is one of labels and the backend scores them (``logprobs``) or
constrains to them (``choice``); the JSON schema of a ``json`` output; the template's
``answer_prefix`` when the backend can prefill the assistant turn (``prefill``).
"""

from __future__ import annotations

from collections.abc import Collection

from zsvad.backends.protocols import ChatRequest, Generation
from zsvad.prompts.render import RenderedPrompt


def build_request(
    rendered: RenderedPrompt, capabilities: Collection[str], seed: int | None = None
) -> ChatRequest:
    """The request of ``rendered`` for a backend with ``capabilities`` (``seed`` overrides the
    template's, e.g. to vary many requests of one template)."""
    t, g = rendered.template, rendered.template.generation
    caps = set(capabilities)
    choices = None
    if t.output.type == "choices" and caps & {"logprobs", "choice"}:
        choices = tuple(t.output.choices or ())
    return ChatRequest(
        user=rendered.user,
        system=rendered.system,
        max_tokens=g.max_tokens,
        temperature=g.temperature,
        seed=g.seed if seed is None else seed,
        choices=choices,
        json_schema=t.output.json_schema if t.output.type == "json" else None,
        stop=tuple(g.stop),
        answer_prefix=g.answer_prefix if "prefill" in caps else "",
    )


def answer_text(request: ChatRequest, answer: Generation) -> str:
    """The answer as its template reads it: the prefilled ``answer_prefix`` then the generated
    text (an answer scored among ``choices`` is the choice alone)."""
    if request.choices:
        return answer.text
    return request.answer_prefix + answer.text
