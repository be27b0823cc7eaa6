"""One step of every build: read a transcript file, annotate it, write its turns."""

from dataclasses import dataclass, replace
from pathlib import Path

from indexer.annotation.annotate import annotate
from indexer.annotation.sources_file import EMPTY as EMPTY_SOURCES
from indexer.annotation.sources_file import SourceList
from indexer.annotation.speakers_file import SpeakerBook
from indexer.annotation.topics import Taxonomy
from indexer.building.report import Failure, IndexReport, Notice
from indexer.errors import NotATranscriptError, RemarksError
from indexer.parsing.formats import FORMAT_NAMES, PLAIN
from indexer.parsing.reading import ReadResult, SourceFile, load_transcript, read_bytes
from indexer.storage.documents import turn_documents
from indexer.storage.sources import SourceRecord

NOT_A_TRANSCRIPT = "skipped: JSON that is not one transcript (see README: Formats)"


@dataclass(frozen=True)
class Annotations:
    """The corpus settings that annotate turns: the topic taxonomy and the speakers file."""

    taxonomy: Taxonomy
    speakers: SpeakerBook
    sources: SourceList = EMPTY_SOURCES


def load_source(
    corpus: Path, source: SourceFile, report: IndexReport, known: SourceRecord | None = None
) -> ReadResult | None:
    """Read and parse a transcript file; on failure record it in `report` and return None."""
    if source.skip:
        if source.skip_warns:
            report.warnings.append(Notice(source.rel, source.skip))
        else:
            report.failed.append(Failure(source.rel, source.skip))
        return None
    try:
        loaded = load_transcript(source.path, corpus, read_bytes(source.path))
    except NotATranscriptError:
        report.warnings.append(Notice(source.rel, NOT_A_TRANSCRIPT))
        return None
    except RemarksError as exc:
        kept = " (the indexed version is kept)" if known else ""
        report.failed.append(Failure(source.rel, exc.message + kept))
        return None
    report.warnings.extend(Notice(source.rel, w) for w in loaded.warnings)
    if loaded.format != PLAIN:
        report.formats[source.rel] = FORMAT_NAMES[loaded.format]
    return loaded


def write_transcript(
    writer, source: SourceFile, loaded: ReadResult, annotations: Annotations
) -> list[tuple[str, str]]:
    """Add the turns of a loaded transcript to a Whoosh writer; return their ids and texts."""
    transcript = loaded.transcript
    record = SourceRecord(
        source.rel, transcript.id, source.size, source.mtime_ns, loaded.sha256, transcript.topics
    )
    url = transcript.url or annotations.sources.url(transcript.id)
    annotated = annotate(replace(transcript, url=url), annotations.taxonomy, annotations.speakers)
    docs = turn_documents(annotated, record)
    for doc in docs:
        writer.add_document(**doc)
    return [(doc["turn_id"], doc["text"]) for doc in docs]
