"""The Whoosh extension lives in one place and knows which Whoosh it was written for."""

import subprocess
import sys

import pytest
import whoosh

from indexer import whoosh_ext
from indexer.whoosh_ext import WHOOSH_VERSION, WhooshVersionError, check_version
from tests.conftest import ROOT


def test_the_installed_whoosh_is_the_one_the_extension_knows():
    assert tuple(whoosh.__version__[:3]) == WHOOSH_VERSION
    check_version()


@pytest.mark.parametrize("installed", [(2, 7, 4), (2, 8, 0), (3, 0)])
def test_another_whoosh_version_is_a_clear_error(installed):
    with pytest.raises(WhooshVersionError) as caught:
        check_version(installed)
    found = ".".join(map(str, installed))
    assert caught.value.message == (
        f"remarks needs Whoosh 2.7.5 (the whoosh-reloaded package); "
        f"this environment has Whoosh {found}."
    )
    assert "whoosh-reloaded==2.7.5" in caught.value.hint


def test_nothing_is_patched_on_import():
    """Importing the whole library leaves Whoosh as it is; `apply()` installs the fixes."""
    script = (
        "import whoosh.reading as r\n"
        "stock = r.MultiReader.column_reader\n"
        "import indexer, indexer.building.build, searcher.search, searcher.session\n"
        "import searcher.app.web, searcher.app.cli\n"
        "assert r.MultiReader.column_reader is stock, 'patched on import'\n"
        "from indexer import whoosh_ext\n"
        "whoosh_ext.apply()\n"
        "assert r.MultiReader.column_reader is not stock, 'apply() did not patch'\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_apply_is_idempotent():
    whoosh_ext.apply()
    whoosh_ext.apply()
