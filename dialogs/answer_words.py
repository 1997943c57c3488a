"""Everyday words for two closed questions: who a concern is about, and whether the child was told it is shared."""

from __future__ import annotations

import re

from dialogs.intents import normalise, yes_no_said

# Whole words (after normalise) that name who it is about. Checked in this order: the head, an adult, several
# children, one child; so "a teacher" is an adult and "two boys" several children.
_HEAD = re.compile(r"\b(?:head|headteacher|head teacher|headmaster|headmistress|principal)\b")
_ADULT = re.compile(r"\b(?:staff|teacher|teachers|colleague|colleagues|supply|volunteer|volunteers|adult|adults|"
                    r"ta|tas|teaching assistant|caretaker|coach|cleaner|dinner lady|dinner ladies|lunchtime supervisor|"
                    r"midday|governor|receptionist|technician|instructor|member of staff|coworker|co worker|"
                    r"one of us|sports coach|mentor|tutor|helper|parent helper|parent volunteer|driver|chef|cook|nurse|"
                    r"counsellor|librarian|bursar|office staff|site manager)\b")
_SEVERAL = re.compile(r"\b(?:two|three|four|five|several|few|group|some|couple|both|twins|siblings|brothers|sisters|"
                      r"kids|children|pupils|students|boys|girls|lads|them|they|all|gang|friends|"
                      r"[2-9] (?:boys|girls|kids|children|pupils|students|lads)|year \d+s|y\d+s|\d+s)\b")
_ONE = re.compile(r"\b(?:child|pupil|student|boy|girl|kid|lad|lass|tutee|son|daughter|one|reception|nursery|"
                  r"year \d+|y\d+|\d+[a-z]|learner|baby|toddler|teen|teenager|young person)\b")
_ONE_OF = re.compile(r"\bone of (?:the|my|our)\b")  # "one of the year 7s": one child, however plural the rest


def about_from_words(text: str, offered: set[str]) -> str | None:
    """Reads who a concern is about from everyday words ("a pupil in year 9", "two boys", "a supply teacher")."""
    said = normalise(text).replace("?", " ")
    if not said:
        return None
    if _HEAD.search(said) and "head" in offered and not re.search(r"\bhead of\b", said):
        return "head"
    if _ADULT.search(said) and not re.search(r"\btutees?\b", said):
        return "adult"
    if _ONE_OF.search(said) or (_ONE.search(said) and not _SEVERAL.search(said)):
        return "learner" if "learner" in offered and re.search(r"\b(?:learner|18|over 18|adult learner)\b", said) \
            else "child"
    if _SEVERAL.search(said):
        return "children"
    return None


_NOT_SPOKEN = re.compile(r"\b(?:didnt|did not|havent|have not|never) (?:speak|spoke|spoken|talk|talked|see|seen|"
                         r"get to speak)\b|\boverheard\b|\bn a\b|\bnot applicable\b|\bdidnt speak\b|\bnot to me\b|"
                         r"\bthey didnt tell me\b|\bonline\b|\bsomeone else told me\b|\bjust saw\b|\bdidnt tell me\b|"
                         r"\bonly saw\b|\bsaw it\b")


def told_from_words(text: str) -> str | None:
    """Reads whether the child was told it will be shared: "yes i told him", "nah not yet", "n/a, I overheard it"."""
    said = normalise(text.replace("/", " "))
    if not said:
        return None
    if _NOT_SPOKEN.search(said):
        return "not_applicable"
    answer = yes_no_said(text)
    if answer is True or re.match(r"(?:i )?(?:told|explained|said)\b", said):
        return "yes"
    if answer is False or re.match(r"(?:not yet|no|nah|nope|i didnt|didnt)\b", said):
        return "no"
    return None
