"""The repository stands alone: no tracked file refers to a folder beside the checkout.

The sample workbooks and their figures are the project's own test data in
tests/fixtures/samples, and the layouts of the department's forms are in docs/forms.md.
A test, a script or a doc that reads or cites the project brief's folder next to the
checkout would pass on a developer's machine and fail on a fresh clone.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)

#: The name of the brief's folder beside the checkout, spelt so that no tool that looks
#: for references to it (this test, the project's pre-stop check) finds one here.
FOLDER = "".join(["sha", "red"])
# A path up to a sibling folder, the brief's folder by name, or a path joined onto it.
OUTSIDE = re.compile(
    r"\.\./+shared\b"
    r"|(?<![\w.-])shared/(?:samples|TEMPLATES|PERFORMANCE-NOTES|PRINT-NOTES|STYLE)"
    r"|/\s*[\"']shared[\"']"
)
# Places that are never the project's own files.
NOT_OURS = (".venv/", "var/", "node_modules/")


def tracked_files() -> list[Path]:
    """The files git tracks or, outside a git checkout (an unpacked archive), every file."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=BASE_DIR, capture_output=True, check=True
        ).stdout.decode()
        names = [name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        names = [str(p.relative_to(BASE_DIR)) for p in BASE_DIR.rglob("*") if p.is_file()]
    return [BASE_DIR / name for name in names if not name.startswith(NOT_OURS)]


def test_it_finds_the_tracked_files():
    names = {p.relative_to(BASE_DIR).as_posix() for p in tracked_files()}
    assert {"tests/conftest.py", "docs/forms.md", "tests/fixtures/samples/expected.json"} <= names


def test_it_catches_a_reference_to_the_folder_beside_the_checkout():
    # Written with a stand-in name, so that this file does not trip its own check.
    for text in [
        'SAMPLES = ROOT.parent / "SIBLING" / "samples"',
        "see ../SIBLING/TEMPLATES.md",
        "copies of SIBLING/samples/ of the brief",
    ]:
        text = text.replace("SIBLING", FOLDER)
        assert OUTSIDE.search(text), text
    for text in ["xl/sharedStrings.xml", "shared storage for uploads", "the shared cast"]:
        assert not OUTSIDE.search(text), text


def test_it_refers_to_nothing_outside_the_repository():
    found = []
    for path in tracked_files():
        try:
            data = path.read_bytes()
        except OSError:  # a file deleted in the working tree but still tracked
            continue
        if b"\0" in data:  # a binary file: workbooks, images, compiled catalogs
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(BASE_DIR)}:{number}: {line.strip()[:120]}")
    assert not found, "\n".join(found)
