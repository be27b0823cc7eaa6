"""The transcript header: page chrome, title, date line, lead, separators, end markers."""

from datetime import date

from indexer.parsing.parser import parse_transcript


def test_seed_header_skips_page_chrome(seed_text):
    t = parse_transcript(seed_text, "seed")
    assert t.title == (
        "Meeting with students and workers of industrial enterprises in the Chelyabinsk Region"
    )
    assert t.date == date(2024, 2, 16)
    assert t.place == "Chelyabinsk"


def test_seed_lead_is_the_summary_before_the_separator(seed_text):
    t = parse_transcript(seed_text, "seed")
    assert len(t.lead) == 3
    assert t.lead[0].startswith("Vladimir Putin held a meeting with students and workers")
    assert t.lead[2].endswith("from steel billet to testing the finished product.")


def test_title_repeated_after_separator_is_not_text(seed_text):
    t = parse_transcript(seed_text, "seed")
    everything = [*t.lead, *(p for turn in t.turns for p in turn.paragraphs)]
    assert not any(p.startswith("Meetings with students and workers") for p in everything)
    assert "* * *" not in everything


def test_to_be_continued_is_dropped(seed_text):
    t = parse_transcript(seed_text, "seed")
    assert t.turns[-1].paragraphs[-1] == "And you can do it, but you need to work on the batteries."


def test_date_line_with_long_place():
    text = (
        "US Presidential Debate\nSeptember 29, 2020, Hofstra University, Hempstead, NY\n\nA B: Hi."
    )
    t = parse_transcript(text, "d")
    assert (t.date, t.place) == (date(2020, 9, 29), "Hofstra University, Hempstead, NY")


def test_day_month_year_and_iso_dates():
    assert parse_transcript("T\n3 March 2021, Sochi\n\nA B: x", "x").date == date(2021, 3, 3)
    assert parse_transcript("T\n2021-03-04\n\nA B: x", "x").date == date(2021, 3, 4)


def test_no_date_line_falls_back_to_the_file_name():
    t = parse_transcript("A title\n\nIvan Petrov: Hello.", "x", "2019-05-06_talk.txt")
    assert (t.title, t.date, t.place) == ("A title", date(2019, 5, 6), None)
    assert [turn.speaker for turn in t.turns] == ["Ivan Petrov"]


def test_no_date_anywhere_gives_none():
    t = parse_transcript("A title\n\nIvan Petrov: Hello.", "x", "talk.txt")
    assert t.date is None


def test_crlf_bom_and_nbsp_are_normalised():
    text = "\ufeffA title\r\nMay 1, 2020, Moscow\r\n\r\nIvan\u00a0Petrov: Hello.\r\nMore.\r\n"
    t = parse_transcript(text, "x")
    assert t.title == "A title"
    assert [(turn.speaker, turn.paragraphs) for turn in t.turns] == [
        ("Ivan Petrov", ("Hello.", "More."))
    ]


def test_transcript_without_labels_becomes_one_unattributed_turn():
    t = parse_transcript("Address\nMay 1, 2020, Moscow\n\nFirst paragraph.\nSecond.", "x")
    assert [(turn.seq, turn.speaker, turn.paragraphs) for turn in t.turns] == [
        (1, "Unattributed", ("First paragraph.", "Second."))
    ]
    assert t.lead == ()


def test_topics_line_in_the_lead_is_kept():
    t = parse_transcript("T\nMay 1, 2020\n\nTopics: Economy, Sport\nIvan Petrov: Hi.", "x")
    assert t.topics == ("Economy", "Sport")


def test_a_title_with_a_colon_is_a_title_not_a_speaker():
    text = (
        "Information Science: Toward the Development of a True Scientific Discipline\n\n"
        "It is pointed out that if information science is to be a true science, it must have "
        "a set of concepts.\n"
    )
    t = parse_transcript(text, "doc")
    assert t.title == "Information Science: Toward the Development of a True Scientific Discipline"
    assert [turn.speaker for turn in t.turns] == ["Unattributed"]
    assert t.turns[0].text.startswith("It is pointed out")


def test_a_first_line_turn_stays_a_turn():
    for text in (
        "Vladimir Putin: Good afternoon, friends.\n\nLet us begin with the economy.\n",
        "Vladimir Putin: Good Afternoon Colleagues\n\nIvan Petrov: Thank you.\n",
        "Vladimir Putin: Good afternoon.\n",
    ):
        t = parse_transcript(text, "doc")
        assert t.title == "", text
        assert t.turns[0].speaker == "Vladimir Putin", text
