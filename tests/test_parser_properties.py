"""Any text either parses into a transcript or raises the project's own error."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.errors import TranscriptError
from indexer.parsing.parser import parse_transcript
from indexer.parsing.reading import decode

LINES = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda name, text: f"{name}: {text}",
            st.text(alphabet=string.ascii_letters + " .", min_size=1, max_size=30),
            st.text(max_size=40),
        ),
        st.sampled_from(["* * *", "", "June 1, 2020, Moscow", "Remark: yes", "To be continued."]),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(LINES)
def test_any_lines_parse(lines):
    t = parse_transcript("\n".join(lines), "x")
    assert [turn.seq for turn in t.turns] == list(range(1, len(t.turns) + 1))
    for turn in t.turns:
        assert turn.speaker
        assert all("\n" not in p for p in turn.paragraphs)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_raise_our_error(data):
    from pathlib import Path

    try:
        text, encoding = decode(data, Path("t.txt"))
    except TranscriptError as exc:
        assert "t.txt" in exc.message
    else:
        assert encoding in ("utf-8", "utf-16", "cp1251", "cp1252", "latin-1")
        parse_transcript(text, "x")
