"""The engine's core modules import each other in one direction only (issue 8): graph.py is a
leaf, and no module reaches another through an import hidden inside a function."""

import ast
from pathlib import Path

import blockstudio.core

CORE = Path(blockstudio.core.__file__).parent
MODULES = ("graph", "tape", "autograd", "ndarray", "creation", "ops", "nn_ops", "select_ops",
           "shape_ops", "update_ops", "random", "base", "context")


def _imports(name):
    """Sibling core modules imported anywhere in ``name``.py, at any depth of the code."""
    tree = ast.parse((CORE / (name + ".py")).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found & set(MODULES)


def _function_level_imports(name):
    tree = ast.parse((CORE / (name + ".py")).read_text())
    return [node.lineno for fn in ast.walk(tree)
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
            for node in ast.walk(fn) if isinstance(node, (ast.Import, ast.ImportFrom))]


def test_graph_is_a_leaf():
    assert _imports("graph") == set()


def test_no_cycle_among_core_modules():
    edges = {name: _imports(name) for name in MODULES}
    done, visiting = set(), []

    def visit(name):
        if name in visiting:
            raise AssertionError("import cycle: " + " -> ".join(visiting + [name]))
        if name in done:
            return
        visiting.append(name)
        for other in sorted(edges[name]):
            visit(other)
        visiting.pop()
        done.add(name)

    for name in MODULES:
        visit(name)
    # The direction that matters: ops and nn_ops never reach back to ndarray or autograd.
    assert "ndarray" not in (edges["ops"] | edges["nn_ops"] | edges["tape"] | edges["shape_ops"]
                             | edges["autograd"])
    assert "ops" not in edges["nn_ops"]


def test_no_function_level_imports_in_the_graph_modules():
    for name in ("graph", "tape", "autograd", "ndarray", "creation", "ops", "nn_ops",
                 "select_ops", "shape_ops", "update_ops"):
        assert _function_level_imports(name) == [], name


def test_public_names_stay_importable():
    from blockstudio.core.autograd import (_sequence, _state, _State, _Scope,  # noqa: F401
                                           _write_leaf_grad, backward, MXNetErrorNoGraph)
    from blockstudio.core.ndarray import NDArray, _as_nd
    from blockstudio.core.ops import dot, relu, softmax_cross_entropy, _result  # noqa: F401
    from blockstudio.core import nd
    assert isinstance(_as_nd(1.0), NDArray)
    assert type(nd.relu(nd.ones((2,)))) is NDArray
    assert type(nd.ones((2, 2)) + 1) is NDArray
