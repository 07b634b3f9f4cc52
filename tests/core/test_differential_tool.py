"""tools/differential.py: its snippets run on our engine, and without MXNet it says so."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import blockstudio.core as mx

TOOL = Path(__file__).resolve().parents[2] / "tools" / "differential.py"


def _load():
    spec = importlib.util.spec_from_file_location("differential", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_snippet_runs_on_blockstudio_core():
    tool = _load()
    results = tool.run_all(mx)
    assert len(results) == len(tool.ALL) >= 200
    raised = sorted(k for k, v in results.items() if isinstance(v, dict) and v.get("raises"))
    # MXNet raises on these too (recorded).
    assert raised == ["backward_outside_record_raises", "backward_twice_raises", "setitem_inside_record_raises",
                      "softmax_ce_3d", "train_stale_grad_raises", "uninit_error"]


def test_without_mxnet_it_exits_2_with_a_message(tmp_path):
    proc = subprocess.run([sys.executable, str(TOOL), "--mxnet", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "no MXNet interpreter" in proc.stdout
