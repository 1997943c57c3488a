"""Everyday words for each kind of concern ("far right stuff", "bruises"): the bot proposes, staff confirm.

One table, by category id (the school file's default ids). Phrases are written as `normalise` leaves text: lower
case, no apostrophes, hyphens as spaces. A trailing `*` matches any ending ("radicalis*": radicalised,
radicalisation). A phrase only ever proposes: the reporter confirms with a tap, or chooses, or says "not sure".
"""

from __future__ import annotations

import re
from functools import cache

KIND_WORDS: dict[str, tuple[str, ...]] = {
    "radicalisation": (
        "radicalis*", "radicaliz*", "extremis*", "extremist*", "far right", "extreme right", "far left", "neo nazi*",
        "nazi*", "hitler", "swastika*", "white power", "white supremac*", "great replacement", "isis", "isil",
        "daesh", "islamic state", "jihad*", "terroris*", "terrorist*", "beheading*", "bomb making", "make a bomb",
        "incel*", "manosphere", "andrew tate", "black pill", "blackpill", "red pill", "misogyn*", "school shoot*",
        "mass shoot*", "columbine", "hate group", "hate crime", "conspiracy", "prevent", "propaganda",
    ),
    "physical_abuse": (
        "bruis*", "black eye", "burn mark*", "cigarette burn*", "marks on", "injur*", "hit him", "hit her",
        "hits him", "hits her", "hitting him", "hitting her", "beaten", "beats him", "beats her", "slapped",
        "smacked", "punched", "kicked", "with a belt", "physical abuse", "physically abus*",
    ),
    "emotional_abuse": (
        "emotional abuse", "emotionally abus*", "humiliat*", "belittl*", "screams at", "shouts at", "shouted at",
        "called names by", "threatens to", "locked in", "controlling",
    ),
    "sexual_abuse": (
        "sexual abuse", "sexually abus*", "sexual assault*", "sexually assault*", "raped", "rape", "touched her",
        "touched him", "touching her", "touching him", "inappropriate touch*", "private parts", "molest*",
    ),
    "neglect": (
        "neglect*", "hungry", "no food", "not fed", "not been fed", "not eating", "dirty clothes", "unwashed",
        "smells", "no coat", "head lice", "left alone", "home alone", "same clothes", "no lunch",
    ),
    "child_on_child": (
        "child on child", "peer on peer", "bully*", "bullied", "ganged up", "upskirt*", "sexting", "nudes",
        "sharing nude*", "sexual harassment", "another pupil", "other pupils", "older pupil*",
    ),
    "online_safety": (
        "online", "sexting", "nudes", "nude pic*", "nude photo*", "sextortion", "social media", "snapchat", "tiktok",
        "instagram", "discord", "telegram", "whatsapp", "roblox", "dark web", "chat room*", "videos", "gaming",
    ),
    "exploitation": (
        "county lines", "cse", "cce", "criminal exploitation", "sexual exploitation", "exploit*", "gang*",
        "drug*", "dealing", "running drugs", "older boyfriend", "older girlfriend", "groom*", "new phone",
        "unexplained money", "unexplained gifts", "trafficking", "trafficked",
    ),
    "domestic_abuse": (
        "domestic abuse", "domestic violence", "dv", "violence at home", "fighting at home", "hits mum", "hits dad",
        "mums partner", "dads partner", "police at home", "police came round", "parents fighting",
    ),
    "mental_health": (
        "self harm*", "selfharm*", "cutting herself", "cutting himself", "cutting themself", "cuts on",
        "suicid*", "kill herself", "kill himself", "kill myself", "end it all", "wants to die", "want to die",
        "depress*", "anxiety", "anxious", "eating disorder", "anorexi*", "bulimi*", "overdos*", "panic attack*",
        "low mood", "mental health",
    ),
    "missing_education": (
        "missing education", "missing school", "not in school", "not attending", "attendance", "absent*",
        "truan*", "off rolled", "off rolling", "taken out of school", "went missing", "run away", "ran away",
        "runaway",
    ),
    "fgm": (
        "fgm", "female genital", "genital mutilation", "circumcis*", "cutting ceremony", "be cut", "being cut",
    ),
}


@cache
def _pattern(phrase: str) -> re.Pattern[str]:
    """A phrase as a regular expression on word boundaries (a trailing `*`: any ending)."""
    body = r"\s+".join(re.escape(word) for word in phrase.rstrip("*").split())
    return re.compile(rf"\b{body}" + ("" if phrase.endswith("*") else r"\b"))


def kinds_in(said: str, known: list[str]) -> list[str]:
    """The kinds of concern the (normalised) words point to, in the school's order, only those it has."""
    return [kind for kind in known if any(_pattern(p).search(said) for p in KIND_WORDS.get(kind, ()))]
