"""Every use of Whoosh internals in remarks, in one place, for one Whoosh version.

    fixes          patches to Whoosh readers: speed, and a column bug that crashed facets
    writer, pool   a segment writer that pools postings by term (builds ~2× stock Whoosh)
    postings       posting formats of one turn: frequency, positions, characters
    block_scoring  scores a plain query from its posting blocks, every match at once
    matches        ranks the top turns and counts every match exactly
    expansion      wildcards, prefixes and fuzzy words bounded by a budget; fuzzy on stems
    toc            names of Whoosh's table-of-contents files

They rely on private names of Whoosh 2.7.5 (the whoosh-reloaded fork): `apply()` checks the
installed version before installing anything, so another version stops with a clear error
instead of misbehaving. Nothing is patched on import; the indexer and the searcher call
`apply()` (idempotent) before they open an index.
"""

import whoosh

from indexer.errors import RemarksError

WHOOSH_VERSION = (2, 7, 5)
_applied = False


class WhooshVersionError(RemarksError):
    """The installed Whoosh is not the version the extension was written for."""


def check_version(installed: tuple = tuple(whoosh.__version__)) -> None:
    """Stop with a clear error unless the installed Whoosh is the one this extension knows."""
    if tuple(installed[:3]) != WHOOSH_VERSION:
        found = ".".join(str(part) for part in installed)
        wanted = ".".join(str(part) for part in WHOOSH_VERSION)
        raise WhooshVersionError(
            f"remarks needs Whoosh {wanted} (the whoosh-reloaded package); "
            f"this environment has Whoosh {found}.",
            f"Install the version remarks was written for: "
            f"pip install 'whoosh-reloaded=={wanted}'.",
        )


def apply() -> None:
    """Check the Whoosh version, then install the fixes (once per process)."""
    global _applied
    if _applied:
        return
    check_version()
    from indexer.whoosh_ext import fixes

    fixes.apply()
    _applied = True
