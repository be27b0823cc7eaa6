"""Ids of turns and exchanges: one place that makes them and one that reads them.

A turn id is the transcript id (its path in the corpus without .txt, which may itself hold
colons) and the turn's 1-based sequence number: `2019/putin-direct-line:12`. An exchange id
ends in `:x` and its number: `2019/putin-direct-line:x3`.
"""


def make_turn_id(transcript_id: str, seq: int) -> str:
    """Return the stable id of a turn: the transcript id and the turn's sequence number."""
    return f"{transcript_id}:{seq}"


def make_exchange_id(transcript_id: str, number: int) -> str:
    """Return the stable id of a question–answer exchange."""
    return f"{transcript_id}:x{number}"


def parse_turn_id(turn_id: str) -> tuple[str, int] | None:
    """Return (transcript id, sequence number) of a turn id, or None if it is not one."""
    transcript, sep, seq = turn_id.strip().rpartition(":")
    if not sep or not transcript or not seq.isdigit():
        return None
    return transcript, int(seq)


def turn_seq(turn_id: str) -> int:
    """Return the sequence number of a well-formed turn id (one read from the index)."""
    parsed = parse_turn_id(turn_id)
    if parsed is None:
        raise ValueError(f"not a turn id: {turn_id!r}")
    return parsed[1]
