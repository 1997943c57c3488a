"""Understanding staff as they type (issue 14): the evaluation set's floor, and a first-time user's journey."""

from __future__ import annotations

from bot.app import App
from tests.nlu.evaluate import SCRIPTS, Case, Evaluator, evaluate, first_time_user, load_cases, score


def test_the_set_is_large_and_well_formed() -> None:
    cases = load_cases()
    assert len(cases) >= 400
    assert len({c.id for c in cases}) == len(cases)
    known = {"menu", "help", "dsl_alert", "dsl_alert.two", *SCRIPTS}
    assert {c.state for c in cases} <= known
    assert {c.group for c in cases} == {"teacher", "ta", "lunchtime", "office", "caretaker", "dsl"}
    assert sum(c.kind == "help_question" for c in cases) >= 50


async def test_the_evaluator_sees_what_each_turn_did(app: App) -> None:
    def case(state: str, text: str, expect: str) -> Case:
        return Case(f"check-{text}", state, "teacher", "answer", text, expect)

    evaluator = Evaluator(app)
    checks = [case("raise_concern.danger", "no", "next:about"),
              case("raise_concern.danger", "cancel", "command:cancel"), case("menu", "who do i talk to", "who"),
              case("raise_concern.pupil", "Jamie Testpupil", "next:year_group"),
              case("raise_concern.when", "tomorrow", "asks_again"), case("help", "signs", "topic:signs"),
              case("dsl_alert", "ack", "dsl:ack"), case("dsl_alert.two", "ack", "dsl:which"),
              case("raise_concern.review", "submit", "submitted"), case("raise_concern.when", "back", "command:back")]
    for check in checks:
        result = await evaluator.run(check)
        assert result.right, f"{check.state} {check.text!r}: {result.why}"


async def test_the_floor_97_percent_right_and_no_help_question_taken_as_a_concern() -> None:
    results = await evaluate()
    total = score(results)
    wrong = "\n".join(f"{r.case.id} {r.case.text!r}: {r.why}" for r in results if not r.right)
    assert total.into_concern == 0, wrong
    assert total.accuracy >= 0.97, f"{total.right} of {total.total} right\n{wrong}"


async def test_a_first_time_user_typing_naturally_raises_a_concern(app: App) -> None:
    journey = await first_time_user(app)
    assert journey.submitted
    assert not journey.refused, journey.transcript
    assert journey.messages <= 1.3 * journey.minimum, journey.transcript
