"""Group a transcript's turns into question–answer exchanges.

An exchange is a run of consecutive turns: a participant's question or remark, the main
speaker's reply, and the short back-and-forth around them ("Chessboxing?" – "Yes, that's
right."). The main speakers are those who answer: in a press conference or a meeting, the one
speaker with most of the words; in a debate or panel, where nobody has most of them, every
speaker with a large share.

A non-main turn opens a new exchange once the current one has had an answer, if it reads as
the start of a new contribution: it begins with a greeting or an introduction, it is a
substantial anonymous question, it is long and its speaker has not yet spoken in the
exchange, or its speaker (an interviewer) asks again after a full answer. A questioner who
goes on after an interruption, a governor confirming a figure, or a "Thank you" stay in the
exchange they belong to. In a debate or panel, any substantial turn by a non-main speaker
(the moderator) after an answer opens the next exchange.
"""

import re
from collections import Counter
from dataclasses import dataclass

from indexer.parsing.transcript import Turn

UNATTRIBUTED = "Unattributed"
OPENING_RE = re.compile(
    r"^(good (morning|afternoon|evening|day)|hello|hi\b|greetings|dear |mr\.? president|"
    r"madam|my name is|i am (?-i:[A-Z])|i'm (?-i:[A-Z])|my question|i have a question|question\b)",
    re.IGNORECASE,
)
LONG_TURN_WORDS = 80
ANONYMOUS_QUESTION_WORDS = 25
PANEL_TURN_WORDS = 25
FOLLOW_UP_WORDS = 15
FULL_ANSWER_WORDS = 150
MAIN_SHARE = 0.2
ASKER_QUESTION_SHARE = 0.25


@dataclass(frozen=True)
class Exchange:
    """Turns `first`..`last` (sequence numbers, inclusive) form exchange number `number`."""

    number: int
    first: int
    last: int


def main_speakers(turns: tuple[Turn, ...] | list[Turn]) -> set[str]:
    """Return the speakers who answer.

    The speakers with a large share of the words, leaving out those whose turns mostly end
    in a question (a debate's moderator); failing that, the speaker with most words.
    """
    words: Counter[str] = Counter()
    turns_by: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    for turn in turns:
        if turn.anonymous or turn.speaker == UNATTRIBUTED:
            continue
        words[turn.speaker] += len(turn.text.split())
        turns_by[turn.speaker] += 1
        questions[turn.speaker] += turn.text.rstrip().endswith("?")
    total = sum(words.values())
    if not total:
        return set()
    mains = {
        name
        for name, n in words.items()
        if n / total >= MAIN_SHARE and questions[name] / turns_by[name] < ASKER_QUESTION_SHARE
    }
    if len(mains) >= 3:
        # Everyone speaks at length (a heated debate): the most questioning one moderates.
        # Sorted first: on a tie the same speaker is dropped whatever the set's order (which
        # follows Python's per-process hash seed).
        mains.discard(max(sorted(mains), key=lambda name: questions[name] / turns_by[name]))
    return mains or {words.most_common(1)[0][0]}


def group_exchanges(turns: tuple[Turn, ...] | list[Turn]) -> list[Exchange]:
    """Return the exchanges of a transcript's turns, in order, covering every turn."""
    if not turns:
        return []
    mains = main_speakers(turns)
    panel = len(mains) > 1
    exchanges: list[Exchange] = []
    start = turns[0].seq
    answered = turns[0].speaker in mains
    # For each speaker in the current exchange: words the main speakers said since their turn.
    answered_since: dict[str, int] = {turns[0].speaker: 0}
    for turn in turns[1:]:
        words = len(turn.text.split())
        if turn.speaker in mains:
            answered = True
            for name in answered_since:
                answered_since[name] += words
        elif answered and _opens(turn, words, answered_since, panel):
            exchanges.append(Exchange(len(exchanges) + 1, start, turn.seq - 1))
            start, answered, answered_since = turn.seq, False, {}
        if turn.speaker not in mains:
            answered_since[turn.speaker] = 0
    exchanges.append(Exchange(len(exchanges) + 1, start, turns[-1].seq))
    return exchanges


def _opens(turn: Turn, words: int, answered_since: dict[str, int], panel: bool) -> bool:
    if panel:
        return words >= PANEL_TURN_WORDS
    if OPENING_RE.match(turn.paragraphs[0] if turn.paragraphs else ""):
        return True
    if turn.anonymous:
        return words >= ANONYMOUS_QUESTION_WORDS
    if turn.speaker not in answered_since:
        return words >= LONG_TURN_WORDS
    # The same questioner again: a new question once they have had a full answer.
    return words >= FOLLOW_UP_WORDS and answered_since[turn.speaker] >= FULL_ANSWER_WORDS
