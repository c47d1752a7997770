"""Roles named the way people say them: an operator, a supervisor, an MRB member."""

from __future__ import annotations

import pytest

from core.permissions import Action, refusal, role_list, with_article


@pytest.mark.parametrize(
    ("role", "said"),
    [
        ("operator", "an operator"),
        ("inspector", "an inspector"),
        ("supervisor", "a supervisor"),
        ("quality_engineer", "a quality engineer"),
        ("mrb", "an MRB member"),
        ("planner", "a planner"),
        ("admin", "an administrator"),
        ("unit_lead", "a unit lead"),  # a role the table does not know keeps its own name
    ],
)
def test_a_role_is_named_with_its_article(role: str, said: str) -> None:
    assert with_article(role) == said


def test_lists_and_refusals_take_the_article_of_their_first_role() -> None:
    assert role_list(["mrb", "admin"]) == "an MRB member or administrator"
    assert role_list(["quality_engineer", "mrb"]) == "a quality engineer or MRB member"
    assert refusal(Action.PLANT_IMPORT, "EMP1011", "mrb") == (
        "importing a plant file needs an administrator (EMP1011 is an MRB member)"
    )
