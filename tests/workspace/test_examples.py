"""The example projects ship as package data, so File > Open Example works in any install."""

import sys
from pathlib import Path

from blockstudio.workspace.examples import example_projects, examples_folder

REPO = Path(__file__).resolve().parents[2]


def test_examples_resolve_inside_the_package():
    import blockstudio

    folder = examples_folder()
    package = Path(blockstudio.__file__).resolve().parent
    assert folder == package / "examples"  # importlib.resources, not the source checkout's folder
    assert [p.name for p in example_projects()] == ["lenet.bsproj", "tutorial-mlp.bsproj"]


def test_the_package_data_declares_them_and_the_checkout_copy_matches():
    if sys.version_info >= (3, 11):
        import tomllib

        config = tomllib.loads((REPO / "pyproject.toml").read_text())
        globs = config["tool"]["setuptools"]["package-data"]["blockstudio"]
        shipped = {p.relative_to(REPO / "blockstudio").as_posix() for pattern in globs
                   for p in (REPO / "blockstudio").glob(pattern)}
        assert {"examples/tutorial-mlp.bsproj", "examples/lenet.bsproj"} <= shipped
    # The checkout's examples/ (the README's commands) is a link to the package's folder: one copy.
    for project in example_projects():
        assert (REPO / "examples" / project.name).resolve() == project.resolve()
