"""Free text is understood without exact commands, typos included."""

import pytest

from dialogs.intents import command, intent, pick, typo_distance, yes_no


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("I'm worried about a pupil", "raise_concern"),
        ("I want to report something a student said", "raise_concern"),
        ("im wories about a chlid", "raise_concern"),
        ("who should I tell?", "who"),
        ("Who do I talk to", "who"),
        ("whats the dsl phone number", "who"),
        ("help", "help"),
        ("hlep", "help"),
        ("what is channel?", "help"),
        ("status of my concerns", "mine"),
        ("good morning", None),
    ],
)
def test_intent(said: str, expected: str | None) -> None:
    assert intent(said) == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [("cancel", "cancel"), ("Cancle", "cancel"), ("back", "back"), ("go back", "back"),
     ("start again", "restart"), ("strat again", "restart"), ("help", "help"),
     ("he said cancel the trip", None), ("Year 9", None)],
)
def test_command(said: str, expected: str | None) -> None:
    assert command(said) == expected


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("help", "help", 0), ("hlep", "help", 1), ("cancle", "cancel", 1), ("kitten", "sitting", 3),
     ("", "back", 4), ("ca", "abc", 3)],  # a swapped pair is never edited again (optimal string alignment)
)
def test_typo_distance_counts_a_swap_of_neighbours_as_one_edit(a: str, b: str, distance: int) -> None:
    assert typo_distance(a, b) == distance


def test_pick_by_number_label_and_typo() -> None:
    options = [("child", "A child"), ("children", "Several children"), ("adult", "An adult")]
    assert pick("2", options) == "children"
    assert pick("a child", options) == "child"
    assert pick("severl children", options) == "children"
    assert pick("4", options) is None


def test_yes_no() -> None:
    assert yes_no("Yes") is True
    assert yes_no("yse") is True
    assert yes_no("nope") is False
    assert yes_no("maybe") is None
