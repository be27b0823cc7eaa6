"""Read the optional TOML files a corpus folder may hold (topics.toml, speakers.toml)."""

import hashlib
import tomllib
from pathlib import Path

from indexer.errors import CorpusError


def read_settings(path: Path, hint: str) -> tuple[dict, str] | None:
    """Return the file's data and a fingerprint of its bytes, or None if there is no file."""
    if not path.is_file():
        return None
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path} is not valid TOML: {exc}.", hint) from None
    return data, hashlib.sha256(raw).hexdigest()[:16]
