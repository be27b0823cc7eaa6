"""Where an index lives on disk: generations of Whoosh indexes, a pointer to the live one, and
a record of every commit that says which files it is made of and what they hold.

`index/CURRENT` names the live generation folder (`index/gen-…`). A rebuild writes a new
generation beside the live one and publishes it by replacing `CURRENT` atomically, so a
search never sees a half-built index. The previous generation (named in `index/PREVIOUS`) is
kept until the next publish, for searches that opened it just before the switch.

Inside a generation, Whoosh numbers its commits (`_MAIN_N.toc`). Before commit N's table of
contents is written, remarks writes the commit's stem table (`stems-N.json`) and its record
(`commit-N.json`): the size, modification time, change time and CRC-32 of every file of the
commit, and the corpus settings it was built with. Whoosh's table of contents is written
atomically, so a reader that sees commit N finds its record and stem table complete, whatever
killed a writer and whenever.

Opening an index checks every file's size, and the checksum of the small files and of any
file whose modification time or change time (ctime) is not the one recorded. Segment files
never change once written; a program can set a file's modification time back after writing
it, but not its change time, so a file rewritten in place is checksummed. A copied or
restored index (new change times) is checksummed in full once; the change times found sound
are remembered in `checked.json`, best effort (a read-only index is checksummed at each
open). `verify_index(full=True)` and `remarks check` checksum every file: only they catch
damage that leaves every time alone (the disk's own decay).
"""

import contextlib
import errno
import json
import os
import pickle
import re
import shutil
import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, EmptyIndexError, Index, clean_files
from whoosh.reading import IndexReader

from indexer import whoosh_ext
from indexer.errors import IndexDamagedError, IndexMissingError, IndexUnreadableError
from indexer.schema import FORMAT_VERSION
from indexer.whoosh_ext.toc import latest_generation, toc_filename

CURRENT = "CURRENT"
PREVIOUS = "PREVIOUS"
META = "remarks.json"
INDEX_NAME = "MAIN"
REBUILD_HINT = "Run `remarks index --rebuild` to build it again from the corpus."
SMALL_FILE_BYTES = 1 << 20  # checked in full whenever the index is opened
CHECKED = "checked.json"  # change times of files whose checksum was found sound
OPEN_ATTEMPTS = 5
COMMIT_RE = re.compile(r"^(?:commit|stems)-(\d+)\.json$")
# Errors a damaged Whoosh file raises while it is opened or read.
READ_ERRORS = (
    EmptyIndexError,
    OSError,
    ValueError,  # UnicodeDecodeError, struct/zlib/pickle errors are ValueErrors or below
    EOFError,
    KeyError,
    IndexError,
    AttributeError,
    ImportError,  # a pickled name this version lacks
    TypeError,
    MemoryError,
    pickle.UnpicklingError,
    struct.error,
    zlib.error,
)


@dataclass(frozen=True)
class OpenIndex:
    """A live Whoosh index opened at one commit, with that commit's record."""

    path: Path
    index: Index
    meta: dict
    generation: int
    reader: IndexReader

    @property
    def stem_table(self) -> Path:
        return self.path / self.meta["stems"]


def commit_name(generation: int) -> str:
    return f"commit-{generation}.json"


def stems_name(generation: int) -> str:
    return f"stems-{generation}.json"


def new_generation(index_dir: Path) -> Path:
    """Create and return an empty folder for a new generation of the index."""
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    gen = index_dir / f"gen-{stamp}-{os.getpid()}-{time.monotonic_ns() % 1_000_000:06d}"
    gen.mkdir()
    return gen


def write_json(path: Path, data: dict) -> None:
    """Write a JSON file atomically (a reader sees the old file or the new one)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def write_meta(gen: Path, meta: dict) -> None:
    """Write what a generation is (format version, when it was created): its first file."""
    write_json(gen / META, {**meta, "format": FORMAT_VERSION})


def read_meta(gen: Path) -> dict:
    """Read the metadata of a generation."""
    return json.loads((gen / META).read_text(encoding="utf-8"))


def checksum(path: Path) -> int:
    """Return the CRC-32 of a file."""
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    return crc


def _fingerprint(path: Path, known: list | None = None) -> list:
    """[size, modification time, CRC-32, change time] of a file (`known` if it still holds)."""
    st = path.stat()
    if known and list(known[:2]) == [st.st_size, st.st_mtime_ns] and known[3:] == [st.st_ctime_ns]:
        return known
    return [st.st_size, st.st_mtime_ns, checksum(path), st.st_ctime_ns]


def record_commit(
    gen: Path, generation: int, segments, settings: dict, stems: dict[str, str]
) -> None:
    """Write the stem table and the record of commit `generation` (call before its TOC)."""
    write_json(gen / stems_name(generation), stems)
    previous = _latest_record(gen, below=generation)
    known = previous.get("files", {}) if previous else {}
    files = {}
    storage = FileStorage(str(gen))
    for segment in segments:
        for name in segment.list_files(storage):
            files[name] = _fingerprint(gen / name, known.get(name))
    files[stems_name(generation)] = _fingerprint(gen / stems_name(generation))
    record = {
        **settings,
        "generation": generation,
        "stems": stems_name(generation),
        "turns": sum(s.doc_count() for s in segments),
        "files": files,
    }
    write_json(gen / commit_name(generation), record)


def seal_commit(gen: Path, generation: int) -> None:
    """Add the checksum of the commit's table of contents, once Whoosh has written it, and
    remove the records of commits older than the one before."""
    path = gen / commit_name(generation)
    record = json.loads(path.read_text(encoding="utf-8"))
    toc = toc_filename(INDEX_NAME, generation)
    record["files"][toc] = _fingerprint(gen / toc)
    write_json(path, record)
    for child in gen.iterdir():
        m = COMMIT_RE.match(child.name)
        if m and int(m.group(1)) < generation - 1:
            child.unlink(missing_ok=True)


def _latest_record(gen: Path, below: int) -> dict | None:
    numbers = [
        int(m.group(1))
        for child in gen.iterdir()
        if (m := COMMIT_RE.match(child.name)) and child.name.startswith("commit-")
    ]
    for number in sorted((n for n in numbers if n < below), reverse=True):
        try:
            return json.loads((gen / commit_name(number)).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return None


def publish(index_dir: Path, gen: Path) -> None:
    """Make `gen` the live generation, then delete generations older than the previous one."""
    previous = readable_generation(index_dir)
    write_text(index_dir / PREVIOUS, (previous.name if previous else "") + "\n")
    write_text(index_dir / CURRENT, gen.name + "\n")
    keep = {gen.name, previous.name if previous else ""}
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith("gen-") and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def tidy(index_dir: Path) -> None:
    """Delete what killed or failed writers left: unpublished generations, temporary files,
    segment files no commit lists, records of old commits. Frees the space a full disk took.

    Call only while holding the writer lock: what is left is then nobody's.
    """
    if not index_dir.is_dir():
        return
    live = readable_generation(index_dir)
    keep = {live.name if live else ""}
    with_previous = _read_pointer(index_dir / PREVIOUS)
    if with_previous:
        keep.add(with_previous)
    for child in index_dir.iterdir():
        if child.name.endswith(".tmp") or (
            child.name.startswith("gen-") and child.name not in keep
        ):
            _remove(child)
    if live is None:
        return
    for child in live.iterdir():
        if child.name.endswith(".tmp"):  # writers' temporary folders and files
            _remove(child)
    try:
        storage = FileStorage(str(live))
        generation = latest_generation(storage, INDEX_NAME)
        toc = TOC.read(storage, INDEX_NAME, generation)
    except READ_ERRORS:
        return  # a damaged index is rebuilt, not tidied
    clean_files(storage, INDEX_NAME, generation, toc.segments)
    for child in live.iterdir():
        m = COMMIT_RE.match(child.name)
        if m and not generation - 1 <= int(m.group(1)) <= generation:
            child.unlink(missing_ok=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def discard(gen: Path) -> None:
    """Delete an unpublished generation."""
    shutil.rmtree(gen, ignore_errors=True)


def _read_pointer(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def live_generation(index_dir: Path) -> Path | None:
    """Return the folder of the live generation, or None if nothing was ever published.

    Raises `IndexDamagedError` when `CURRENT` exists but cannot be read or names no
    generation folder.
    """
    pointer = index_dir / CURRENT
    try:
        data = pointer.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        message = f"Cannot read the index at {index_dir}: {exc}"
        raise IndexUnreadableError(message, REBUILD_HINT) from exc
    try:
        name = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        name = ""
    gen = index_dir / name
    if not name or "/" in name or not name.startswith("gen-") or not gen.is_dir():
        raise IndexDamagedError(index_dir, CURRENT, "it names no generation of the index")
    return gen


def readable_generation(index_dir: Path) -> Path | None:
    """`live_generation`, with a damaged pointer read as no index (for writers, which
    replace it)."""
    try:
        return live_generation(index_dir)
    except IndexDamagedError:
        return None


def open_index(index_dir: Path, verify: str = "quick") -> OpenIndex:
    """Open the live index for reading at its latest commit, and check it.

    `verify`: "quick" (sizes; checksums of small files and of files whose modification time
    changed), "full" (every checksum) or "none".
    """
    whoosh_ext.apply()
    gen = live_generation(index_dir)
    if gen is None:
        raise IndexMissingError(
            f"There is no index at {index_dir}.",
            "Run `remarks index` to build it from the corpus, or pass --index PATH.",
        )
    try:
        meta = read_meta(gen)
    except FileNotFoundError as exc:
        raise IndexDamagedError(index_dir, META, "it is missing") from exc
    except (OSError, ValueError) as exc:
        raise IndexDamagedError(index_dir, META, "it cannot be read") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise IndexUnreadableError(
            f"The index at {index_dir} was built by another version of remarks "
            f"(format {found!r}, this version reads {FORMAT_VERSION!r}).",
            REBUILD_HINT,
        )
    for _ in range(OPEN_ATTEMPTS):
        ix, generation, record = _open_commit(index_dir, gen)
        problems = [] if verify == "none" else verify_index(gen, record, full=verify == "full")
        reader = None
        if not problems:
            try:
                reader = ix.reader()
            except READ_ERRORS as exc:
                problems = [(_toc_name(gen), f"it cannot be read ({exc})")]
        if _latest_generation(gen) != generation:
            # A sync committed meanwhile and removed files of the commit read here: what
            # looked missing was replaced. Open the new commit.
            if reader is not None:
                reader.close()
            continue
        if problems:
            raise IndexDamagedError(index_dir, *problems[0])
        return OpenIndex(gen, ix, {**meta, **record}, generation, reader)
    raise IndexUnreadableError(
        f"The index at {index_dir} changed {OPEN_ATTEMPTS} times while it was opened.",
        "Try again when `remarks index` has finished.",
    )


def _latest_generation(gen: Path) -> int:
    try:
        return latest_generation(FileStorage(str(gen)), INDEX_NAME)
    except READ_ERRORS:
        return -1


def _open_commit(index_dir: Path, gen: Path) -> tuple[Index, int, dict]:
    """Open the latest commit of a generation and read its record."""
    for attempt in range(3):
        if not any(gen.glob(f"_{INDEX_NAME}_*.toc")):
            raise IndexDamagedError(index_dir, f"_{INDEX_NAME}_*.toc", "it is missing")
        try:
            ix = whoosh_index.open_dir(str(gen), readonly=True)
            generation = ix.latest_generation()
        except READ_ERRORS as exc:
            if attempt < 2 and isinstance(exc, FileNotFoundError):
                continue  # a writer committed and tidied between two reads: read again
            problems = _problems_of(gen)
            if problems:
                raise IndexDamagedError(index_dir, *problems[0]) from exc
            unreadable = f"it cannot be read ({exc})"
            raise IndexDamagedError(index_dir, _toc_name(gen), unreadable) from exc
        name = commit_name(generation)
        try:
            record = json.loads((gen / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            if attempt < 2:
                continue
            raise IndexDamagedError(index_dir, name, "it is missing") from None
        except (OSError, ValueError) as exc:
            raise IndexDamagedError(index_dir, name, "it cannot be read") from exc
        if not isinstance(record, dict) or not isinstance(record.get("files"), dict):
            raise IndexDamagedError(index_dir, name, "it is not a commit record")
        return ix, generation, record
    raise AssertionError("unreachable")


def _toc_name(gen: Path) -> str:
    tocs = sorted(p.name for p in gen.glob("_MAIN_*.toc"))
    return tocs[-1] if tocs else "_MAIN_*.toc"


def _problems_of(gen: Path) -> list[tuple[str, str]]:
    try:
        storage = FileStorage(str(gen))
        generation = latest_generation(storage, INDEX_NAME)
        record = json.loads((gen / commit_name(generation)).read_text(encoding="utf-8"))
    except READ_ERRORS:
        return []
    return verify_index(gen, record, full=True)


def verify_index(gen: Path, record: dict | None, full: bool = True) -> list[tuple[str, str]]:
    """Return (file, what is wrong) for every damaged file of a commit (empty: all sound).

    `full`: checksum every file; otherwise only those that may have changed (module docs).
    """
    if record is None:
        return []
    problems = []
    files = record.get("files")
    if not isinstance(files, dict) or not files:
        return [(commit_name(record.get("generation", -1)), "it lists no files")]
    checked = _read_checked(gen)
    sound: dict[str, int] = {}
    for name, expected in sorted(files.items()):
        path = gen / name
        try:
            st = path.stat()
        except FileNotFoundError:
            problems.append((name, "it is missing"))
            continue
        except OSError as exc:
            problems.append((name, f"it cannot be read ({exc.strerror})"))
            continue
        size, mtime_ns, crc = expected[:3]
        if st.st_size != size:
            problems.append((name, f"its size is {st.st_size:,} bytes, not {size:,}"))
            continue
        ctimes = {*expected[3:4], checked.get(name)}
        if (
            full
            or size <= SMALL_FILE_BYTES
            or st.st_mtime_ns != mtime_ns
            or (len(expected) > 3 and st.st_ctime_ns not in ctimes)
        ):
            try:
                found = checksum(path)
            except OSError as exc:
                problems.append((name, f"it cannot be read ({exc.strerror})"))
                continue
            if found != crc:
                problems.append((name, "its checksum differs from the one recorded"))
            elif size > SMALL_FILE_BYTES and st.st_ctime_ns not in ctimes:
                sound[name] = st.st_ctime_ns
    if sound and not problems:
        _remember_checked(gen, {n: c for n, c in {**checked, **sound}.items() if n in files})
    return problems


def _read_checked(gen: Path) -> dict[str, int]:
    try:
        data = json.loads((gen / CHECKED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, int)}


def _remember_checked(gen: Path, checked: dict[str, int]) -> None:
    """Write `checked.json` if the folder is writable (several readers may: each file is
    whole, the last one stays)."""
    tmp = gen / f"{CHECKED}.{os.getpid()}.tmp"
    try:
        tmp.write_text(json.dumps(checked, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, gen / CHECKED)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def index_size(index_dir: Path) -> int:
    """Return the size in bytes of the live generation."""
    gen = readable_generation(index_dir)
    if gen is None:
        return 0
    return sum(f.stat().st_size for f in gen.iterdir() if f.is_file())


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error is the disk (or the user's quota) running out of space."""
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


@dataclass(frozen=True)
class IndexCheck:
    """What `check_index` verified, and the damaged files it found."""

    index_dir: Path
    files: int
    bytes: int
    turns: int
    problems: list[tuple[str, str]]

    def to_json(self) -> dict:
        return {
            "index": str(self.index_dir),
            "sound": not self.problems,
            "files": self.files,
            "bytes": self.bytes,
            "turns": self.turns,
            "problems": [{"file": f, "problem": p} for f, p in self.problems],
        }


def check_index(index_dir: Path) -> IndexCheck:
    """Verify every file of the live index against its recorded checksum, then read every
    turn and column; return what was checked and what is damaged (`remarks check`)."""
    try:
        opened = open_index(index_dir, verify="none")
    except IndexDamagedError as exc:
        return IndexCheck(index_dir, 0, 0, 0, [(exc.file, exc.problem)])
    files = opened.meta["files"]
    problems = verify_index(opened.path, opened.meta, full=True)
    turns = 0
    reader = opened.reader
    try:
        if not problems:
            for _ in reader.iter_docs():
                turns += 1
            for name in ("transcript", "speaker", "role", "date", "seq", "source", "topic_list"):
                list(reader.column_reader(name))
            if turns != opened.meta.get("turns", turns):
                problems.append(
                    (
                        _toc_name(opened.path),
                        f"it lists {turns:,} turns, not {opened.meta['turns']:,}",
                    )
                )
    except READ_ERRORS as exc:
        problems.append((_toc_name(opened.path), f"a segment cannot be read ({exc})"))
    finally:
        reader.close()
    size = sum(entry[0] for entry in files.values())
    return IndexCheck(index_dir, len(files), size, turns, problems)


def diagnose(index_dir: Path) -> IndexDamagedError | None:
    """After a read failed unexpectedly: the damage that explains it, if there is any."""
    try:
        found = check_index(index_dir).problems
    except Exception:  # the diagnosis must not hide the first error
        return None
    return IndexDamagedError(index_dir, *found[0]) if found else None
