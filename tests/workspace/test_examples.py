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
    assert [p.name for p in example_projects()] == ["tutorial-mlp.bsproj"]


def test_the_package_data_declares_them_and_the_checkout_copy_matches():
    if sys.version_info >= (3, 11):
        import tomllib

        config = tomllib.loads((REPO / "pyproject.toml").read_text())
        globs = config["tool"]["setuptools"]["package-data"]["blockstudio"]
        shipped = {p.relative_to(REPO / "blockstudio").as_posix() for pattern in globs
                   for p in (REPO / "blockstudio").glob(pattern)}
        assert "examples/tutorial-mlp.bsproj" in shipped
    for project in example_projects():
        assert (REPO / "examples" / project.name).read_bytes() == project.read_bytes(), (
            f"examples/{project.name} and blockstudio/examples/{project.name} differ: the README's "
            f"commands use the first, File > Open Example the second; copy the one you changed")
