"""What staff might send the bot, as Hypothesis strategies: odd text, junk buttons, forged DSL ids."""

from __future__ import annotations

from hypothesis import strategies as st

from dialogs.alerts import ACTIONS

INT64_MAX = 2**63 - 1

# Text people really paste, and text that breaks naive code: markup of both platforms, SQL, JSON,
# right-to-left and zero-width characters, control characters, format strings and sheer length.
NASTY_TEXT = (
    "", " ", "\n", "\t\t", "\x00", "\x07\x1b[31mred\x1b[0m", "\u200b", "\u200b\u200c\u200d\ufeff",
    "\u202eevil\u202c", "\u200fمرحبا بالعالم", "שלום עולם", "مرحبا", "Ζωή", "日本語のテキスト", "ẞtraße",
    "👩\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "\U0001f600" * 3, "Z\u0351\u0352\u0353a\u0354\u0355lgo",
    "\ud7ff\ue000\uffff", "'; DROP TABLE concern; --", "1 OR 1=1", "\" OR \"\"=\"", "%s %d %n {0} {reference}",
    "{{}} {!r}", "$(rm -rf /)", "`whoami`", "<!channel>", "<!here|here>", "<@U123>", "<#C123|general>",
    "<!subteam^S123>", "<https://evil.example|click here>", "*bold* _it_ ~strike~ `code` ```block```",
    "&amp; &lt; &gt;", "<at>Alex Example</at>", "<script>alert(1)</script>",
    '{"type": "AdaptiveCard", "body": []}', '{"choice": "submit"}', "[]", "null", "true", "NaN",
    "1", "2", "0", "-1", "99", "1.5", "٣", "²", "１", "yes", "no", "y", "nope", "submit", "none", "now",
    "today", "yesterday", "tomorrow", "31/02/2026", "25/12/2999", "09:00", "next week", "Year 9", "year 99",
)
# Sheer length, as (piece, times): built when drawn, so that no strategy's repr (which Hypothesis keeps, for
# every example, in its notes on filtered draws) holds megabytes.
LONG_TEXT = (("x", 50_000), ("😀", 20_000), ("\r\n", 2_000), ("a ", 25_000), ("٣", 21_000), ("9", 5_000))

# Put around a sensible answer now and then: invisible, right-to-left, control and wide characters.
DECORATIONS = ("", "", "", "", "\u200b", "\u200f", "\u202e", "\ufeff", "\x00", "\t", " 😀 ", "\x1b[0m", "\u0301")

COMMANDS = (
    "cancel", "CANCEL", "Cancel.", "stop", "never mind", "help", "hlep", "?", "who do I talk to",
    "who do i talk to?", "who is the dsl", "back", "go back", "undo", "start again", "start over", "restart",
)

JUNK_IDS = (
    "", "abc", "-1", "0", "1.5", "٣", "²", "１", " 1", "1 ", "+1", "0x1", "1e3", "1_000", "00000000000000000001",
    str(INT64_MAX), str(INT64_MAX + 1), "99999999999999999999", "1\x00", "1:2", "∞",
)

JUNK_VERBS = ("", "VIEW", "delete", "view ", "ack\n", "x" * 200, "..", "view:1")


def _repeated(piece_times: tuple[str, int]) -> str:
    """A piece of text repeated (see LONG_TEXT)."""
    piece, times = piece_times
    return piece * times


def long_text() -> st.SearchStrategy[str]:
    """Very long text: 50,000 characters, 20,000 emoji, 5,000 digits."""
    return st.sampled_from(LONG_TEXT).map(_repeated)


def free_text() -> st.SearchStrategy[str]:
    """Any text: the nasty list, very long text, or generated text in every Unicode category (no surrogates)."""
    generated = st.text(st.characters(exclude_categories=["Cs"]), max_size=120)
    return st.one_of(st.sampled_from(NASTY_TEXT), long_text(), generated)


def command() -> st.SearchStrategy[str]:
    """A global command, as people type it."""
    return st.sampled_from(COMMANDS)


def concern_id_text() -> st.SearchStrategy[str]:
    """What might follow `dsl:<verb>:` in a forged button: junk, or any integer at all."""
    return st.one_of(st.sampled_from(JUNK_IDS), long_text(), st.integers().map(str), free_text())


def dsl_verb() -> st.SearchStrategy[str]:
    """A DSL button's verb: a real one mostly, sometimes junk."""
    return st.one_of(st.sampled_from(ACTIONS), st.sampled_from(JUNK_VERBS))


def token() -> st.SearchStrategy[str | None]:
    """A prompt token that is not the current one: none, junk or a plausible-looking fake."""
    return st.one_of(st.none(), st.sampled_from(("", "deadbeef", "0" * 8, "x" * 300)),
                     st.text(alphabet="0123456789abcdef", min_size=8, max_size=8))


GO_TARGETS = (
    "raise_concern", "who", "help", "mine", "my_training", "dsl_open", "training_done", "policy_review",
    "dsl_action", "", "nope", "raise_concern?link=https://school.example/msg/1", "training_done?for=other",
    "training_done?course=prevent", "training_done?course=../../etc", "policy_review?policy=safeguarding",
    "policy_review?policy=", "policy_review", "raise_concern?=&&=", "who?" + "a=b&" * 200,
)


def go_choice() -> st.SearchStrategy[str]:
    """A `go:` button, real or forged."""
    return st.one_of(st.sampled_from(GO_TARGETS), free_text()).map(lambda target: f"go:{target}")
