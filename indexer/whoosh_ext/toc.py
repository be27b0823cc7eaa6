"""Whoosh's table-of-contents names, read without its private helpers elsewhere.

`TOC._filename` and `TOC._latest_generation` are private in Whoosh 2.7; the integrity
records (indexer/storage/store.py) need both to name and find a commit's TOC.
"""

from whoosh.index import TOC


def toc_filename(indexname: str, generation: int) -> str:
    """The file name of commit `generation`'s table of contents."""
    return TOC._filename(indexname, generation)


def latest_generation(storage, indexname: str) -> int:
    """The newest commit generation in `storage` (-1 for none)."""
    return TOC._latest_generation(storage, indexname)
