"""`add_transcripts()` ↔ `remarks add`: copy transcript files into the corpus folder."""

import filecmp
import shutil
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import AddError, TranscriptError
from indexer.parsing.reading import TRANSCRIPT_SUFFIXES, load_transcript


@dataclass(frozen=True)
class Added:
    """A file given to `remarks add`, where it went, and whether it was copied."""

    source: Path
    target: Path
    status: str  # "copied", "replaced" or "already there"


def add_transcripts(files: list[Path], corpus: Path, force: bool = False) -> list[Added]:
    """Copy transcript files into `corpus`, refusing to overwrite a different file.

    Every file is checked before any is copied — that it is a transcript remarks can read
    (parsed as `remarks index` would), and that it would not replace or shadow another — so
    a refusal copies nothing.
    """
    plan: list[Added] = []
    for source in files:
        if not source.is_file():
            raise AddError(f"{source} is not a file.", "Check the path and try again.")
        if not source.name.endswith(TRANSCRIPT_SUFFIXES):
            raise AddError(
                f"{source} is not a transcript file ({', '.join(TRANSCRIPT_SUFFIXES)}).",
                "Save the transcript as plain text (.txt), or as captions (.vtt, .srt) or "
                "JSON; see README: Formats.",
            )
        try:
            load_transcript(source, source.parent)
        except TranscriptError as exc:
            raise AddError(
                f"{exc.message} Nothing was added.", exc.hint or "Fix the file and add it again."
            ) from None
        target = corpus / source.name
        key = source.name.rsplit(".", 1)[0]
        twins = [
            p
            for p in corpus.glob(f"{glob_escape(key)}.*")
            if p.name != source.name and p.name.endswith(TRANSCRIPT_SUFFIXES)
        ]
        if corpus.is_dir() and twins:
            raise AddError(
                f"{source.name} would be the same transcript as {twins[0].name} in the corpus.",
                "Rename the new file (transcript ids are file names without the extension).",
            )
        if not target.exists():
            plan.append(Added(source, target, "copied"))
        elif filecmp.cmp(source, target, shallow=False):
            plan.append(Added(source, target, "already there"))
        elif force:
            plan.append(Added(source, target, "replaced"))
        else:
            raise AddError(
                f"{target} already exists and differs from {source}.",
                "Rename the new file, or pass --force to replace the one in the corpus.",
            )
    corpus.mkdir(parents=True, exist_ok=True)
    for item in plan:
        if item.status != "already there":
            # copyfile, not copy2: a new modification time makes the next sync look at it.
            shutil.copyfile(item.source, item.target)
    return plan


def glob_escape(text: str) -> str:
    """`text` with glob's special characters matched literally."""
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)
