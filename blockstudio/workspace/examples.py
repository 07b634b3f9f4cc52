"""The example projects shipped in the repository's ``examples/`` folder (File > Open Example).

>>> [p.name for p in example_projects()]                         # doctest: +SKIP
['tutorial-mlp.bsproj']
"""

from pathlib import Path


def examples_folder():
    """``<checkout>/examples`` when it exists (a source checkout or an editable install), else None."""
    folder = Path(__file__).resolve().parents[2] / "examples"
    return folder if folder.is_dir() else None


def example_projects():
    """The ``.bsproj`` files in the examples folder, sorted by name (empty when there is none)."""
    folder = examples_folder()
    return sorted(folder.glob("*.bsproj")) if folder else []
