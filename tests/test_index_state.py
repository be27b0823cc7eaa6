"""State belongs to an opened index (issue 11): two indexes in one process never see each
other's words, and a rebuilt index stops suggesting words it no longer has."""

from indexer.building.build import index_corpus
from searcher.search import search
from searcher.session import TurnIndex
from tests.conftest import write_transcript


def _corpus(folder, body: str):
    folder.mkdir()
    write_transcript(folder, "meeting.txt", body)
    return folder


def test_two_indexes_in_one_process_keep_their_words_apart(tmp_path):
    index_a, index_b = tmp_path / "a-index", tmp_path / "b-index"
    index_corpus(_corpus(tmp_path / "a", "Ivan Petrov: The zeppelins are back.\n"), index_a)
    index_corpus(_corpus(tmp_path / "b", "Anna Lee: The zebras are back.\n"), index_b)
    with TurnIndex(index_a) as a, TurnIndex(index_b) as b:
        assert search(a, "zepelins").suggestion == "zeppelins"
        # B never had "zeppelins": no suggestion from A's words, although A was read first.
        assert search(b, "zepelins").suggestion is None
        assert search(b, "zebrs").suggestion == "zebras"
        assert search(a, "zebrs").suggestion is None
        assert "zeppelins" in a.vocabulary and "zeppelins" not in b.vocabulary


def test_a_rebuilt_index_stops_suggesting_removed_words(tmp_path):
    corpus = _corpus(tmp_path / "corpus", "Ivan Petrov: The zeppelins are back.\n")
    index = tmp_path / "index"
    index_corpus(corpus, index)
    with TurnIndex(index) as opened:
        assert search(opened, "zepelins").suggestion == "zeppelins"
        write_transcript(corpus, "meeting.txt", "Ivan Petrov: The balloons are back.\n")
        index_corpus(corpus, index, rebuild=True)
        opened.refresh()
        assert search(opened, "zepelins").suggestion is None
        assert search(opened, "baloons").suggestion == "balloons"


def test_an_index_built_with_another_stop_list_is_searched_with_it(tmp_path):
    """An experiment's stop list stays with its index: no process-wide switch."""
    corpus = _corpus(tmp_path / "corpus", "Ivan Petrov: This is the end.\nAnna Lee: An end.\n")
    index_corpus(corpus, tmp_path / "plain")
    index_corpus(corpus, tmp_path / "none", stop_words=frozenset())
    with TurnIndex(tmp_path / "plain") as plain, TurnIndex(tmp_path / "none") as kept:
        assert kept.analyzers.text.stoplist == frozenset()
        assert search(kept, '"is the end"').total == 1
        assert search(plain, "the").total == 0  # a stop word in the default list
        assert search(kept, "the").total == 1
