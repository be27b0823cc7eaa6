"""`add_transcripts()` ↔ `remarks add`: copy transcript files into the corpus folder."""

import filecmp
import shutil
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import AddError
from indexer.parsing.reading import TRANSCRIPT_SUFFIXES


@dataclass(frozen=True)
class Added:
    """A file given to `remarks add`, where it went, and whether it was copied."""

    source: Path
    target: Path
    status: str  # "copied", "replaced" or "already there"


def add_transcripts(files: list[Path], corpus: Path, force: bool = False) -> list[Added]:
    """Copy transcript files into `corpus`, refusing to overwrite a different file.

    Every file is checked before any is copied, so a refusal copies nothing.
    """
    plan: list[Added] = []
    for source in files:
        if not source.is_file():
            raise AddError(f"{source} is not a file.", "Check the path and try again.")
        if not source.name.endswith(TRANSCRIPT_SUFFIXES):
            raise AddError(
                f"{source} is not a .txt file.", "Save the transcript as plain text (.txt)."
            )
        target = corpus / source.name
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
