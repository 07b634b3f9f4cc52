"""The example projects (File > Open Example), shipped as package data in ``blockstudio/examples``.

They install with the package (a wheel or a non-editable ``pip install`` has no ``examples/``
folder of the source checkout); the checkout's top-level ``examples/`` holds the same files for
the README's command lines.

>>> [p.name for p in example_projects()]                         # doctest: +SKIP
['tutorial-mlp.bsproj']
"""

from importlib.resources import files
from pathlib import Path


def examples_folder():
    """The installed examples folder (package data), else ``<checkout>/examples``, else None."""
    packaged = Path(str(files("blockstudio") / "examples"))
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "examples"
    return checkout if checkout.is_dir() else None


def example_projects():
    """The ``.bsproj`` files in the examples folder, sorted by name (empty when there is none)."""
    folder = examples_folder()
    return sorted(folder.glob("*.bsproj")) if folder else []
