"""A partial speaker filter is resolved to the full names it stands for, once, and reads
their turns from the `speaker` field (issue 20): it must allow exactly the turns Whoosh's own
prefix query on the speaker's words allows, for every speaker and every partial form."""

from whoosh import query as q

from searcher.query import Filters, make_filter, speaker_words


def _partial_forms(name_words: list[str]) -> set[str]:
    forms = {" ".join(name_words)}
    for word in name_words:
        forms |= {word, word[:1], word[:3]}
    if len(name_words) > 1:
        forms.add(f"{name_words[0][:2]} {name_words[-1][:4]}")
    return {f for f in forms if f.strip()}


def test_partial_speaker_filters_allow_the_turns_of_the_prefix_query(turns):
    reader = turns.searcher.reader()
    names = list(reader.field_terms("speaker"))
    assert len(names) > 20
    checked = 0
    for name in names:
        words = [t.text for t in turns.analyzers.names(name)]
        for form in sorted(_partial_forms(words)):
            query = make_filter(Filters(speaker=form), turns.analyzers)
            assert speaker_words(query) is not None, form
            prefixes = query.subqueries if isinstance(query, q.And) else [query]
            expected = set(turns.searcher.docs_for_query(q.And(prefixes)))
            assert turns.allowed_docs(query) == expected, form
            checked += 1
    assert checked > 100


def test_an_exact_or_unknown_speaker_is_not_read_as_a_partial_one(turns):
    exact = make_filter(Filters(speaker='"Vladimir Putin"'), turns.analyzers)
    assert speaker_words(exact) is None
    assert speaker_words(q.Term("speaker_name", "putin")) is None
    unknown = make_filter(Filters(speaker="zzzqx"), turns.analyzers)
    assert turns.allowed_docs(unknown) == set()


def test_date_ranges_allow_the_turns_of_whooshs_own_range_query(turns):
    """A date filter's turns are read from the posting blocks of the terms the range covers;
    the same turns as Whoosh's matchers give, for ranges of a day, months, years, open ends."""
    ranges = [
        ("2016-04-14", "2016-04-14"),
        ("2012", "2014"),
        ("2018-03", "2018-12"),
        ("2000", None),
        (None, "2010-06-30"),
        ("2019-02-28", "2020-02-29"),
        ("1990", "1991"),
    ]
    sizes = []
    for since, until in ranges:
        query = make_filter(Filters(since=since, until=until), turns.analyzers)
        assert isinstance(query, q.DateRange)
        expected = set(turns.searcher.docs_for_query(query))
        assert turns.allowed_docs(query) == expected, (since, until)
        sizes.append(len(expected))
    assert sizes[-1] == 0 and min(sizes[:-1]) > 0 and max(sizes) > 1000
