"""The state of an open form names either one of the engine's own steps or a question: no form may
name a question like a step, or its answers would be read as the summary or the cancel prompt."""

from __future__ import annotations

from handlers import flow
from handlers.form import FORMS


def test_no_question_is_named_like_one_of_the_engines_steps():
    steps = {flow.SUMMARY, flow.EDIT_PICK, flow.CANCELLING, flow.REPLACING, "resume"}
    for form in FORMS.values():
        assert not steps & {f.name for f in form.fields}, form.kind
