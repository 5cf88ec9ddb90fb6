"""zsvad.strict: one strict base for configs, results, prompt templates, datasets, taxonomy."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from zsvad.config.base import Section
from zsvad.eval.datasets import DatasetSpec
from zsvad.memory.taxonomy import Event
from zsvad.prompts.schema import Variable
from zsvad.results.schema import Evidence
from zsvad.strict import Strict


@pytest.mark.parametrize("model", [Section, DatasetSpec, Event, Variable, Evidence])
def test_every_model_is_strict(model):
    assert issubclass(model, Strict)
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        model.model_validate({"not_a_field": 1})
