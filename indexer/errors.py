"""Errors the library raises; the command line turns them into one-line messages."""


class RemarksError(Exception):
    """Base class: a message naming the file, line or query, and a hint with the next step."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __reduce__(self):
        # Errors cross process boundaries (a Dask worker's error reaches the client): keep
        # the hint, which Exception's own pickling would drop.
        return (type(self), (self.message, self.hint))


class CorpusError(RemarksError):
    """The corpus folder is missing, empty or unreadable."""


class TranscriptError(RemarksError):
    """One transcript file cannot be read or parsed."""


class NotATranscriptError(TranscriptError):
    """A file with a transcript's extension that holds something else (JSON metadata, say):
    skipped with a warning, not counted as a failure."""


class IndexMissingError(RemarksError):
    """There is no index at the given path yet."""


class IndexUnreadableError(RemarksError):
    """The index exists but cannot be opened."""


class IndexDamagedError(IndexUnreadableError):
    """A file of the index is missing, cut short or changed since it was written."""

    def __init__(self, index_dir, file: str, problem: str) -> None:
        super().__init__(
            f"The index at {index_dir} is damaged (file {file}: {problem}).",
            "Run `remarks index --rebuild` to build it again from the corpus.",
        )
        self.file = file
        self.problem = problem

    def __reduce__(self):
        return (RemarksError, (self.message, self.hint))


class DiskFullError(RemarksError):
    """The disk holding the index ran out of space while the index was written."""


class UnknownTurnError(RemarksError):
    """A turn id that is not in the index."""


class UsageError(RemarksError):
    """An argument value the library cannot use (a bad date, a bad page number)."""


class QueryTooCostlyError(UsageError):
    """A search ran past its time budget and was stopped."""


class SearchCancelledError(RemarksError):
    """A search stopped because whoever asked for it went away."""


class IndexLockedError(RemarksError):
    """Another process holds the writer lock of the index."""


class AddError(RemarksError):
    """A file given to `remarks add` cannot be added to the corpus."""


class UnknownTranscriptError(RemarksError):
    """A transcript id that is not in the index."""


class BuildError(RemarksError):
    """Building the index failed as a whole (not one transcript)."""


class ClusterError(RemarksError):
    """A sharded index cannot be built or searched: no scheduler at the address, Dask not
    installed, or a shard that no worker can read."""
