"""Who is told about a concern, by who it is about: never the person it is about (bot/services/routing.py)."""

from __future__ import annotations

import pytest

from bot.config import SchoolConfig, demo_text, parse
from bot.services.routing import escalation_to, half_told_to, may_see, route

LEAD, DEPUTY, HEAD, CHAIR = ("alex.example@school.example", "sam.sample@school.example", "head@school.example",
                             "chair@school.example")


@pytest.fixture
def config() -> SchoolConfig:
    return parse(demo_text(), "demo")


@pytest.mark.parametrize("about", ["child", "children", "learner"])
def test_a_child_goes_to_the_dsl_channel_and_team(config: SchoolConfig, about: str) -> None:
    sent = route(config, about)
    assert (sent.audience, sent.channel, sent.urgent_direct, sent.excluded) == ("dsl_team", True, (LEAD, DEPUTY), ())


def test_an_adult_goes_to_the_head_and_never_the_channel(config: SchoolConfig) -> None:
    sent = route(config, "adult", kind="allegation", adult_route="head")
    assert (sent.audience, sent.channel, sent.holders, sent.urgent_direct) == ("headteacher", False, (HEAD,), (HEAD,))


def test_a_conflict_of_interest_with_the_head_goes_to_the_chair(config: SchoolConfig) -> None:
    assert route(config, "adult", kind="allegation", adult_route="lado").holders == (CHAIR,)


def test_the_head_goes_to_the_chair_and_is_excluded(config: SchoolConfig) -> None:
    sent = route(config, "head")
    assert (sent.audience, sent.holders, sent.urgent_direct, sent.excluded) == (
        "chair_of_governors", (CHAIR,), (CHAIR,), (HEAD,))


def test_a_dsl_member_is_never_told_the_rest_and_the_head_are(config: SchoolConfig) -> None:
    sent = route(config, "dsl", DEPUTY)
    assert (sent.channel, sent.holders, sent.excluded) == (False, (HEAD,), (DEPUTY,))
    assert set(sent.urgent_direct) == {LEAD, HEAD}
    assert not may_see(config, sent.audience, ",".join(sent.excluded), DEPUTY)
    assert not may_see(config, sent.audience, ",".join(sent.excluded), LEAD)  # told it is urgent, not its details
    assert may_see(config, sent.audience, ",".join(sent.excluded), HEAD)


def test_a_head_who_is_also_the_dsl_is_never_told_about_themselves() -> None:
    config = parse(demo_text().replace('email = "head@school.example"', 'email = "alex.example@school.example"'),
                   "demo")
    sent = route(config, "dsl", LEAD)
    assert sent.audience == "chair_of_governors" and LEAD not in sent.urgent_direct
    assert set(sent.urgent_direct) == {CHAIR, DEPUTY}
    assert route(config, "head").excluded == (LEAD,)


def test_low_level_concerns_follow_the_setting(config: SchoolConfig) -> None:
    assert route(config, "adult", kind="low_level").holders == (HEAD,)
    lead = parse(demo_text() + '\n[allegations]\nlow_level_to = "dsl_lead"\n', "demo")
    assert route(lead, "adult", kind="low_level").holders == (LEAD,)
    assert route(lead, "dsl", LEAD, kind="low_level").holders == (HEAD,)  # about the lead: the head instead


def test_escalation_and_half_told_notices_skip_the_person_it_is_about(config: SchoolConfig) -> None:
    assert escalation_to(config, "dsl_team", "") == (HEAD, DEPUTY)
    assert escalation_to(config, "headteacher", DEPUTY) == (CHAIR,)
    assert escalation_to(config, "dsl_team", DEPUTY) == (HEAD,)
    assert half_told_to(config, "child", "") == (LEAD, DEPUTY)
    assert half_told_to(config, "dsl", DEPUTY) == (HEAD,)
    assert half_told_to(config, "head", "") == (CHAIR,)
