"""Understands free text well enough that nobody needs exact commands, typos included."""

from __future__ import annotations

import difflib
import re

from rapidfuzz.distance import OSA

# Whole-message commands that work inside any dialog. Matched against the whole message only,
# so "he said cancel the trip" inside a narrative is never taken as "cancel".
_COMMANDS: dict[str, tuple[str, ...]] = {
    "cancel": ("cancel", "stop", "quit", "abort", "cancel this", "cancel it", "never mind", "forget it",
               "scrap it", "scrap that", "scrap this", "forget about it", "dont bother", "ignore this"),
    "back": ("back", "go back", "previous", "undo", "go back a step", "back a step", "back one", "go back one",
             "previous question", "last question", "step back"),
    "restart": ("start again", "start over", "restart", "begin again"),
    "help": ("help", "help me", "?", "what do i do", "i need help", "what can you do", "what do you do",
             "what can this bot do", "what does this bot do", "what can it do", "what is this bot",
             "how does this work"),
    "who": ("who do i talk to", "who should i tell", "who is the dsl", "who do i tell", "who do i speak to",
            "who should i talk to", "who should i speak to", "who can i talk to", "who can i speak to",
            "who is on duty", "who do i contact"),
}

# Keywords that point to what someone wants when no dialog is running, with a weight each.
_INTENT_WORDS: dict[str, dict[str, float]] = {
    "raise_concern": {"worried": 2, "worry": 2, "concern": 2, "concerned": 2, "report": 2,
                      "raise": 2, "disclosure": 3, "disclosed": 3, "pupil": 1, "child": 1,
                      "student": 1, "radicalised": 3, "radicalisation": 3, "extremist": 3,
                      "extremism": 3, "safeguarding": 1, "said": 1, "incident": 2},
    "who": {"who": 3, "tell": 1, "talk": 2, "contact": 2, "dsl": 2, "lead": 1, "deputy": 2,
            "number": 2, "phone": 2, "duty": 1, "call": 1},
    "help": {"help": 3, "what": 1, "prevent": 1, "channel": 1, "signs": 2, "values": 2,
             "training": 1, "explain": 2, "information": 1, "guidance": 2},
    "mine": {"my": 2, "status": 3, "mine": 3, "reported": 1, "concerns": 1},
    "dsl_open": {"open": 3, "alerts": 3, "triage": 3, "outstanding": 3, "queue": 3},
    "my_training": {"training": 3, "wrap": 3, "course": 2, "certificate": 1, "elearning": 3},
    "training_done": {"done": 4, "completed": 4, "finished": 4, "passed": 3, "certificate": 2, "training": 1},
}
_VOCAB = sorted({w for words in _INTENT_WORDS.values() for w in words})


def typo_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit (so "hlep" ~ "help")."""
    return int(OSA.distance(a, b))  # optimal string alignment: restricted Damerau-Levenshtein


def allowance(known: str) -> int:
    """How many typos a word or phrase may carry and still be recognised (fewer for short ones)."""
    return 0 if len(known) <= 2 else 1 if len(known) <= 5 else 2


def similar(said: str, known: str) -> bool:
    """True when `said` is `known` with a typo or two (fewer allowed for short words)."""
    allowed = allowance(known)
    # Each edit changes the length by at most one, so a bigger difference needs no distance.
    return abs(len(said) - len(known)) <= allowed and typo_distance(said, known) <= allowed


def _closest(word: str, vocabulary: list[str]) -> str | None:
    """Returns the vocabulary word this word most likely is, or None."""
    if word in vocabulary:
        return word
    candidates = [v for v in vocabulary if similar(word, v)]
    return min(candidates, key=lambda v: typo_distance(word, v)) if candidates else None


def normalise(text: str) -> str:
    """Lower-cases and strips punctuation so matching is forgiving."""
    return " ".join(re.sub(r"[^a-z0-9?' ]+", " ", text.lower()).replace("'", "").split())


def command(text: str) -> str | None:
    """Returns the command a whole short message means (cancel, back, restart, help, who)."""
    if len(text) > 60:  # commands are short; long answers (a narrative) never are one
        return None
    said = normalise(text).rstrip("?").strip() or normalise(text)
    if not said or len(said.split()) > 6:
        return None
    words = said.split()
    while len(words) > 1 and words[0] in _LEAD_IN:  # "oops go back", "sorry cancel that"
        words = words[1:]
    said = " ".join(words)
    best, best_distance = None, 99
    for name, phrases in _COMMANDS.items():
        for phrase in phrases:
            if abs(len(said) - len(phrase)) > allowance(phrase):
                continue
            distance = typo_distance(said, phrase)
            if distance and said in _REAL_WORDS:  # "channel" is a word of its own, not "cancel" mistyped
                continue
            if distance <= allowance(phrase) and distance < best_distance:
                best, best_distance = name, distance
    return best


_LEAD_IN = frozenset({"oops", "sorry", "actually", "um", "erm", "er", "wait", "hang", "on", "oh", "no", "please",
                      "just", "ok", "okay"})
_REAL_WORDS = frozenset({"channel", "cancer", "concern", "council", "parent", "prevent", "present", "racket", "incel",
                         "parcel", "panel", "camel", "canal", "vandal"})


def intent(text: str) -> str | None:
    """Returns the dialog someone most likely wants from free text, or None."""
    said = normalise(text)
    if not said:
        return None
    whole = command(said)
    if whole in ("who", "help"):
        return whole
    scores: dict[str, float] = {}
    for word in said.replace("?", " ").split():
        match = _closest(word, _VOCAB) if len(word) > 3 else (word if word in _VOCAB else None)
        if match is None:
            continue
        for name, words in _INTENT_WORDS.items():
            scores[name] = scores.get(name, 0) + words.get(match, 0)
    if not scores:
        return None
    name, score = max(scores.items(), key=lambda item: item[1])
    return name if score >= 2 else None


def pick(text: str, options: list[tuple[str, str]], cutoff: float = 0.6) -> str | None:
    """Matches typed text to one of (id, label) options by number, id or fuzzy label."""
    said = normalise(text)
    if said.isdigit() and len(said) <= 3 and 1 <= int(said) <= len(options):  # int() refuses 4,300 digits and more
        return options[int(said) - 1][0]
    for option_id, label in options:
        if said in (option_id.lower(), normalise(label)):
            return option_id
    labels = {normalise(label): option_id for option_id, label in options}
    close = difflib.get_close_matches(said, list(labels), n=1, cutoff=cutoff)
    if close:
        return labels[close[0]]
    starts = [option_id for option_id, label in options if normalise(label).startswith(said) and said]
    return starts[0] if len(starts) == 1 else None


YES = ("yes", "y", "yeah", "yep", "yes they are", "yes someone is")
NO = ("no", "n", "nope", "no one", "nobody", "not that i know")


def yes_no(text: str) -> bool | None:
    """Reads yes or no from free text, forgiving typos."""
    said = normalise(text)
    if said in YES or _closest(said, list(YES)):
        return True
    if said in NO or _closest(said, list(NO)):
        return False
    return None


# --- questions and requests anywhere ----------------------------------------------------------------

_QUESTION_STARTS = ("what", "whats", "how", "why", "where", "when", "can", "could", "should", "is", "are", "do",
                    "does", "am", "may", "explain", "tell me about", "define", "meaning of", "whos", "which",
                    "any advice", "advice on", "info on", "information on", "what about", "im not sure how",
                    "i dont know how", "not sure how", "i want to know", "i need to know", "id like to know",
                    "have i", "did i", "has my", "have you", "will i", "was it", "were they", "do you")
# Words that point to a help topic (its id in the content file), whole words after normalise.
_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "signs": ("signs", "sign", "indicators", "indicator", "radicalised", "radicalized", "radicalisation",
              "radicalization", "radicalising", "radicalizing", "look for", "look out for", "spot", "warning signs",
              "being groomed", "drawn into extremism", "drawn into terrorism", "extremist views", "looking for",
              "how would i know", "how do i know", "how can i tell", "how would i tell", "what to look for",
              "getting into", "warning sign", "red flag", "red flags", "is that a sign", "should i be worried",
              "is that normal", "is that concerning", "going on about"),
    "prevent": ("prevent", "prevent duty"),
    "channel": ("channel", "channel panel"),
    "controversial": ("in class", "in lessons", "in a lesson", "in my lesson", "controversial", "debate",
                      "discuss terrorism", "talk about terrorism", "teach about", "sensitive topics",
                      "class discussion", "a discussion", "run a discussion", "discussion on", "discussion about"),
    "british_values": ("british values", "fundamental british values"),
    "training": ("training", "course", "wrap", "elearning"),
    "sharing": ("share information", "sharing information", "consent", "confidentiality", "information sharing",
                "without asking", "allowed to tell", "need permission", "without their permission",
                "without telling", "tell the parents", "tell their parents", "parents first",
                "without permission"),
    "images": ("picture", "pictures", "image", "images", "photo", "photos", "video", "videos", "nude", "nudes",
               "screenshot", "screenshots", "as evidence"),
    "disclosure": ("tells me", "told me something", "disclosure", "discloses", "disclosed to me", "has told me",
                   "starts telling me", "telling me stuff", "what do i say if", "what do i say when", "opens up",
                   "keep it secret", "keep it a secret", "promise to keep", "promise not to tell", "keep a secret"),
}
_TOPIC_ORDER = ("controversial", "images", "disclosure", "sharing", "british_values", "channel", "signs",
                "training", "prevent")  # the most specific first: "talk about terrorism in class" is not "signs"
# First-person words that say someone wants to tell, not to learn.
_REPORT = ("im worried", "i am worried", "im concerned", "i am concerned", "worried about", "concerned about",
           "i want to report", "i need to report", "i want to raise", "i need to raise", "raise a concern",
           "report a concern", "report something", "make a referral", "speak to someone about",
           "talk to someone about", "tell someone about", "need to tell someone", "need to speak to someone",
           "need to talk to someone", "something happened", "a pupil told me", "a child told me",
           "a student told me", "a kid told me", "safeguarding concern", "a concern about", "log a concern",
           "i have a concern", "ive got a concern", "ive got a worry", "i have a worry", "record a concern",
           "report a child", "report a pupil", "report a student", "i saw", "i heard", "i overheard", "disclosed",
           "something worrying", "really worrying", "flag a", "i think a kid", "i think a child", "i think a pupil",
           "i think a student", "i think a boy", "i think a girl", "i think one of", "i suspect", "i found",
           "found some", "found a", "log something", "want to log", "need to log", "rang and said", "rang me",
           "talking about joining", "wants to join",
           "said he wants", "said she wants", "keeps saying", "keeps talking about", "has been saying")
# How a plain request for a concern opens, in the middle of another dialog (never an answer's opening words).
_ASKS_TO_REPORT = ("im worried", "i am worried", "im concerned", "i am concerned", "i want to report",
                   "i need to report", "i want to raise", "i need to raise", "raise a concern", "report a concern",
                   "i have a concern", "ive got a concern", "new concern", "i need to speak to someone about",
                   "i need to talk to someone about", "i want to tell someone", "can i report", "how do i report",
                   "how do i raise", "report something", "i have a safeguarding concern", "need to report",
                   "need to raise", "want to report", "want to raise", "got to report", "have to report",
                   "gotta report")
# Words of extremism and danger: said as a statement (not a question), they are a worry to report.
_WORRY_WORDS = ("nazi", "nazis", "isis", "far right", "extremist", "extremists", "terrorist", "terrorism", "jihad",
                "swastika", "swastikas", "bomb", "knife", "gun", "radicalised", "groomed", "white power")
_CHILD = ("child", "kid", "pupil", "student", "boy", "girl", "lad", "learner", "he", "she", "someone", "son",
          "daughter", "year", "my class", "one of my")
_REQUESTS: dict[str, tuple[str, ...]] = {
    "mine": ("my concerns", "my concern", "concerns i raised", "status of my concern", "what happened to my concern",
             "the concern i raised", "the concern i reported", "what happened to the concern", "my report",
             "concern i sent", "update on the concern", "update on my", "any update on", "the one i raised",
             "the concern i made", "concerns ive raised", "concerns i made"),
    "my_training": ("my training", "my prevent training", "when is my training due", "training due",
                    "training up to date", "am i up to date", "my certificate", "training expire"),
}


def _has(said: str, phrase: str) -> bool:
    """True when the phrase is in the normalised text as whole words."""
    return f" {phrase} " in f" {said} "


_READ_FROM = 300  # a long message is read from its opening: what someone wants is said first
_TOPIC_VOCABULARY = sorted({w for phrases in (*_TOPIC_WORDS.values(), _REPORT) for p in phrases for w in p.split()
                            if len(w) > 4})


def _words_fixed(text: str) -> str:
    """Normalises and mends common typos in the words topics and reports are read from (the opening only)."""
    said = normalise(text[:_READ_FROM]).replace("?", " ").split()
    return " ".join((_closest(w, _TOPIC_VOCABULARY) or w) if len(w) > 4 else w for w in said)


def asks_question(text: str) -> bool:
    """True when the message is put as a question (a question word first, or a question mark)."""
    said = normalise(text)
    return said.endswith("?") or said.endswith(_ASKS_WHAT_TO_DO) or \
        any(said.startswith(q + " ") or said == q for q in _QUESTION_STARTS)


_DONE = ("done", "completed", "finished", "passed", "did")
_NEGATIVE = ("never", "not", "havent", "have not", "didnt", "did not", "no")
_ASKS_WHAT_TO_DO = ("what now", "what do i do", "what should i do", "what do i do now", "what do i do next")


def topic_of(text: str) -> str | None:
    """Returns the help topic a message is about, or None."""
    said = _words_fixed(text)
    for topic in _TOPIC_ORDER:
        if any(_has(said, p) for p in _TOPIC_WORDS[topic]):
            return topic
    return None


def reports(text: str) -> bool:
    """True when the words say someone wants to tell about a worry (not to learn)."""
    said = _words_fixed(text)
    return any(_has(said, p) for p in _REPORT)


def topic_question(text: str) -> str | None:
    """Returns the help topic a question asks about ("what is prevent?", "can I talk about terrorism in class")."""
    if len(text) > 200 or not asks_question(text) or reports(text):
        return None
    return topic_of(text)


def request(text: str) -> str | None:
    """Returns the dialog a short message plainly asks for ("I'm worried about a pupil", "my concerns"), or None."""
    if len(text) > 120 or topic_question(text):
        return None
    said = _words_fixed(text)
    if not said or len(said.split()) > 14:
        return None
    words = said.split()
    while len(words) > 1 and words[0] in _LEAD_IN:  # "actually i need to report something"
        words = words[1:]
    if any(" ".join(words).startswith(p) for p in _ASKS_TO_REPORT):
        return "raise_concern"
    return next((name for name, phrases in _REQUESTS.items() if any(_has(said, p) for p in phrases)), None)


def main_menu(text: str) -> tuple[str, str] | None:
    """What a message means with no dialog running: ("topic", id), ("dialog", name) or ("unsure", topic)."""
    whole = command(text)
    if whole in ("who", "help"):
        return ("dialog", whole)
    said = _words_fixed(text)
    own = next((name for name, phrases in _REQUESTS.items() if any(_has(said, p) for p in phrases)), None)
    if own == "my_training" and any(_has(said, w) for w in _DONE) and not asks_question(text) \
            and not any(_has(said, n) for n in _NEGATIVE):  # "I've done my training", never "have I done …?"
        own = "training_done"
    if own is not None:  # "when is my training due", "what happened to the concern I raised"
        return ("dialog", own)
    if asks_question(text) and topic_of(text) == "disclosure":  # "a child told me something, what now?"
        return ("topic", "disclosure")
    topic = topic_question(text)
    if topic is not None:
        return ("topic", topic)
    if reports(text):
        return ("dialog", "raise_concern")
    topic = topic_of(text)
    said = _words_fixed(text)
    if topic == "signs" and any(_has(said, c) for c in _CHILD):
        return ("unsure", topic)  # "a kid being radicalised": to tell, or to learn? Ask.
    if topic is not None and topic != "training":
        return ("topic", topic)
    if not asks_question(text) and any(_has(said, w) for w in _WORRY_WORDS):  # "found nazi leaflets in the toilets"
        return ("dialog", "raise_concern")
    name = intent(text[:_READ_FROM])
    if name == "training_done" and (asks_question(text) or any(_has(said, n) for n in _NEGATIVE)):
        name = "my_training" if not topic else None  # "have I done it?", "I've never done it": never recorded done
        if name is None:
            return ("topic", "training")
    return ("dialog", name) if name else None


# --- yes and no, "don't know", "nobody", "what do you mean" --------------------------------------------

_YES_WORDS = ("yes", "y", "yeah", "yea", "yeh", "yep", "yup", "ya", "yah", "aye", "sure", "ok", "okay",
              "correct", "definitely", "absolutely", "indeed", "true", "affirmative")
_NO_WORDS = ("no", "n", "nah", "nope", "naw", "nay", "negative", "nobody", "noone", "never", "not", "none")
_YES_PHRASES = ("i think so", "i believe so", "think so", "they are", "he is", "she is", "someone is")
_NO_PHRASES = ("dont think so", "i dont think so", "not that i know", "not really", "not right now", "not now",
               "not at the moment", "no one", "nothing like that", "i dont think")
_UNSURE = ("not sure", "dont know", "do not know", "maybe", "possibly", "unsure", "idk", "dunno", "no idea",
           "might be", "could be", "perhaps", "not certain", "cant say", "cant tell")
_HARM = ("knife", "knives", "weapon", "gun", "hurt", "kill", "killing", "stab", "bomb", "attack", "threat",
         "threatened", "threatening", "blood", "bleeding", "injured", "suicide", "overdose", "missing", "run away",
         "ran away", "harm", "fight", "fighting", "abuse", "abused", "beaten", "hit")


def yes_no_said(text: str) -> bool | None:
    """Reads yes or no as people say it ("nah", "yeah he said...", "no not right now i dont think"); None if unclear."""
    exact = yes_no(text)
    if exact is not None:
        return exact
    said = normalise(text).replace("?", " ").strip()
    if not said or any(_has(said, u) for u in _UNSURE if not _has(said, "i dont think")):
        return None
    first = said.split()[0]
    if _closest(first, list(_YES_WORDS)) and not any(_has(said, n) for n in ("no", "not", "nope", "nah")):
        return True
    if first in _NO_WORDS or (len(first) > 3 and _closest(first, list(_NO_WORDS))):
        return False
    if any(_has(said, p) for p in _NO_PHRASES):
        return False
    if any(said.startswith(p) for p in _YES_PHRASES):
        return True
    return None


def mentions_harm(text: str) -> bool:
    """True when a message speaks of harm (so a "no, but..." to the danger question is asked again)."""
    said = normalise(text)
    return any(_has(said, h) for h in _HARM)


_FILLER = {"sorry", "really", "um", "erm", "er", "honestly", "tbh", "mate", "at", "the", "moment", "all", "so",
           "far", "yet", "as", "of", "now", "i", "im", "just", "well", "oh", "ah", "hmm", "actually", "to", "be",
           "honest", "unfortunately", "am", "afraid"}
_NOT_KNOWN = ("dont know", "do not know", "didnt know", "not sure", "unsure", "no idea", "dunno", "idk", "unknown",
              "not known", "cant remember", "dont remember", "cannot remember", "no clue", "not certain", "cant say",
              "have no idea", "dont know sorry", "not a clue", "couldnt say", "dont know who", "dont know where",
              "not sure where", "not sure who", "no idea where", "no idea who", "dont know what",
              "couldnt tell you", "cant tell you", "not a clue", "no clue", "search me", "beats me", "no idea sorry")
_UNKNOWN_START = ("no clue", "no idea", "not sure", "dont know", "unsure", "not certain", "cant remember",
                  "couldnt tell", "cant tell", "not a clue", "dunno")
_SAID_NOTHING = ("never said owt", "didnt say owt", "never said anything", "said nowt", "he said nowt",
                 "she said nowt", "never said nothing", "didnt say nothing", "nothing to me", "never spoke")
_NONE = ("nobody", "no one", "noone", "none", "nothing", "not yet", "no body", "nobody else", "no one else",
         "nothing done", "nothing yet done", "nothing else", "n a", "na", "nil", "nobody knows", "no one knows",
         "nothing was said", "nothing said", "didnt say anything", "he didnt say anything", "she didnt say anything",
         "they didnt say anything", "nobody was there", "no one was there", "nothing has been done", "not anything",
         "no action", "no action taken", "nothing so far", "none taken", "havent done anything",
         "not done anything", "havent done anything yet", "i havent done anything", "nothing done yet",
         "didnt speak to him", "didnt speak to her", "didnt speak to them", "didnt talk to him",
         "didnt talk to her", "didnt talk to them", "i didnt speak to him", "i didnt speak to her",
         "i didnt talk to him", "i didnt talk to her", "they didnt say", "said nothing")
_EXPLAIN = ("what do you mean", "not sure what you mean", "dont understand", "do not understand",
            "what does that mean", "what does this mean", "i dont get it", "dont get it", "dont get what you mean",
            "not sure what that means", "can you explain", "could you explain", "what are you asking",
            "what is this asking", "what do i put", "what should i put", "what do i write", "what should i write",
            "meaning", "explain", "huh", "eh", "confused", "not sure what to put", "not sure what to write",
            "what", "sorry what", "pardon", "dont follow", "what do you want", "not clear", "unclear")


def _core(text: str) -> str:
    """The message without filler words ("um, I don't know sorry" -> "dont know")."""
    kept = [w for w in normalise(text).replace("?", " ").split() if w not in _FILLER]
    return " ".join(kept)


_VAGUE = frozenset({"what", "which", "who", "where", "when", "year", "class", "room", "form", "sorry", "tbh", "mate",
                    "it", "counts", "as", "is", "was", "they", "are", "in", "place", "time", "exactly", "really"})


def _vaguely_unknown(said: str) -> bool:
    """True for "no clue what year", "not sure which room": a not-known opening and nothing that answers."""
    opening = next((u for u in _UNKNOWN_START if said == u or said.startswith(u + " ")), None)
    return opening is not None and set(said[len(opening):].split()) <= _VAGUE


def non_answer(text: str) -> str | None:
    """Reads a non-answer: "explain" (what do you mean?), "not_known" (don't know) or "none" (nobody, nothing yet)."""
    said = normalise(text).replace("?", " ").strip()
    if not said or len(said.split()) > 12:
        return None
    core = _core(text)
    if any(_has(said, e) for e in _EXPLAIN if len(e.split()) >= 3) or core in _EXPLAIN:
        return "explain"
    if core in _NOT_KNOWN or said in _NOT_KNOWN or _vaguely_unknown(said):
        return "not_known"  # "no clue what year", "not sure which room"
    if core in _NONE or said in _NONE or any(_has(said, p) for p in _SAID_NOTHING):
        return "none"
    if said.startswith(("nobody", "no one", "noone", "nothing")) and len(said.split()) <= 7 \
            and any(_has(said, h) for h in ("as far as i know", "that i know of", "i think", "so far", "yet")):
        return "none"  # "nobody as far as I know"
    return None
