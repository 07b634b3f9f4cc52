"""The layering is enforced: the import-linter contracts in pyproject.toml hold."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    assert linter.exists(), "import-linter is part of the test extra: pip install -e '.[test]'"
    result = subprocess.run([str(linter), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_core_and_workspace_import_without_qt():
    # A fresh interpreter where importing Qt fails: the engine and the application model load.
    code = ("import sys; sys.modules['PySide6'] = None; sys.modules['pyqtgraph'] = None\n"
            "import blockstudio.core, blockstudio.workspace, blockstudio.workspace.workspace\n"
            "from blockstudio.workspace import Workspace; ws = Workspace(); ws.add_layer('Dense')\n"
            "print('ok')")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
