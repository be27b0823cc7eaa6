"""Judged queries over the bundled corpus: each names the turns a good answer must rank high.

The judgements were made by reading the transcripts: for each question, the turns that
answer it. A query passes when its judged turns are within the first `depth` hits.
"""

import pytest

from searcher.search import search
from tests.conftest import SEED_ID

S = SEED_ID
DIRECT_LINE_2013 = "2013-04-25_17976_direct-line-with-vladimir-putin"
DIRECT_LINE_2017 = "2017-06-15_54790_direct-line-with-vladimir-putin"
DIRECT_LINE_2018 = "2018-06-07_57692_direct-line-with-vladimir-putin"

JUDGED = [
    # (query, turns that must appear, within the first N hits)
    ("chessboxing", [f"{S}:27"], 2),
    ("advanced engineering schools", [f"{S}:24", f"{S}:25"], 3),
    ("Miass infrastructure small cities", [f"{S}:53"], 1),
    ("pension for people who worked abroad", [f"{S}:37"], 3),
    ("compatriots relocation programme citizenship", [f"{S}:37"], 1),
    ("early career guidance at schools", [f"{S}:20", f"{S}:23"], 3),
    ("postgraduate studies research institutes", [f"{S}:47", f"{S}:48"], 2),
    ("South Korea robots per employees", [f"{S}:14"], 1),
    ("trolleybus electric buses", [f"{S}:69"], 1),
    ("professional standards personnel department", [f"{S}:6"], 3),
    ("shipyard icebreaker", [f"{DIRECT_LINE_2017}:152"], 1),
    ("who will be your successor", [f"{DIRECT_LINE_2013}:422"], 1),
    ("mortgage interest rate", [f"{DIRECT_LINE_2018}:212"], 3),
    ("doping Olympic athletes", ["2016-04-14_51716_direct-line-with-vladimir-putin:150"], 3),
    ("Skripal poisoning", ["2019-06-27_60836_interview-with-the-financial-times:46"], 3),
]

# Queries whose best answers all come from one transcript.
JUDGED_TRANSCRIPTS = [
    (
        "situation in Kyrgyzstan",
        "2010-06-14_8043_meeting-with-security-council-secretary-nikolai-patrushev-an",
        3,
    ),
    (
        "cosmonauts space station",
        "2018-04-12_57246_conversation-with-cosmonauts-and-space-industry-veterans",
        3,
    ),
    (
        "timber industry forests",
        "2013-04-11_17876_state-council-presidium-meeting-on-strengthening-the-timber",
        3,
    ),
]


@pytest.mark.parametrize(("query", "expected", "depth"), JUDGED)
def test_judged_turns_rank_high(turns, query, expected, depth):
    top = [hit.turn_id for hit in search(turns, query, limit=depth).hits]
    assert set(expected) <= set(top), top


@pytest.mark.parametrize(("query", "transcript", "depth"), JUDGED_TRANSCRIPTS)
def test_judged_transcript_fills_the_top(turns, query, transcript, depth):
    top = [hit.transcript for hit in search(turns, query, limit=depth).hits]
    assert all(t.startswith(transcript[:40]) for t in top), top


def test_a_missing_word_does_not_empty_a_natural_language_query(turns):
    with_nonsense = search(turns, "pension for people who worked abroad zqxwv", limit=3)
    assert f"{S}:37" in [hit.turn_id for hit in with_nonsense.hits]


def test_more_matched_words_rank_higher(turns):
    hits = search(turns, "robots South Korea", limit=5).hits
    assert hits[0].turn_id == f"{S}:14"
