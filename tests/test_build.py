"""Building an index: generations, atomic publish, and a failed build that changes nothing."""

import pytest

from indexer.building import ingest
from indexer.building.build import index_corpus
from indexer.storage.store import live_generation
from searcher.search import search
from searcher.session import TurnIndex
from tests.conftest import write_transcript


def test_rebuild_publishes_a_new_generation_and_keeps_one_previous(seed_corpus, tmp_path):
    index = tmp_path / "index"
    gens = []
    for _ in range(3):
        index_corpus(seed_corpus, index, rebuild=True)
        gens.append(live_generation(index))
    assert len(set(gens)) == 3
    on_disk = sorted(p.name for p in index.iterdir() if p.name.startswith("gen-"))
    assert on_disk == sorted([gens[1].name, gens[2].name])


def test_failed_build_leaves_the_last_good_index(seed_corpus, tmp_path, monkeypatch):
    index = tmp_path / "index"
    index_corpus(seed_corpus, index)
    good = live_generation(index)
    write_transcript(seed_corpus, "new.txt", "Ivan Petrov: Zeppelins are back.\n")

    def explode(transcript, source=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest, "turn_documents", explode)
    for rebuild in (False, True):
        with pytest.raises(RuntimeError):
            index_corpus(seed_corpus, index, rebuild=rebuild)
    assert live_generation(index) == good
    assert [p.name for p in index.iterdir() if p.name.startswith("gen-")] == [good.name]
    with TurnIndex(index) as turns:
        assert search(turns, "chessboxing").total == 4
        assert search(turns, "zeppelins").total == 0


def test_searcher_picks_up_a_rebuilt_index(seed_corpus, tmp_path):
    index = tmp_path / "index"
    index_corpus(seed_corpus, index)
    with TurnIndex(index) as turns:
        assert search(turns, "zeppelins").total == 0
        write_transcript(seed_corpus, "new.txt", "Ivan Petrov: Zeppelins are back.\n")
        index_corpus(seed_corpus, index)
        turns.refresh()
        assert [h.turn_id for h in search(turns, "zeppelins").hits] == ["new:1"]


def test_nested_folders_give_path_ids(seed_corpus, tmp_path):
    (seed_corpus / "2021" / "march").mkdir(parents=True)
    write_transcript(seed_corpus / "2021" / "march", "talk.txt", "Ivan Petrov: Zeppelins.\n")
    index = tmp_path / "index"
    report = index_corpus(seed_corpus, index)
    assert (report.transcripts, report.turns) == (2, 83)
    with TurnIndex(index) as turns:
        assert [h.turn_id for h in search(turns, "zeppelins").hits] == ["2021/march/talk:1"]
