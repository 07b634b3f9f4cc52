"""The engine keeps freed array memory for reuse (glibc), unless told not to."""

import subprocess
import sys

import pytest


def run(code, **env):
    import os
    full_env = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full_env, check=True).stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_importing_the_engine_raises_the_malloc_thresholds_once():
    code = "import blockstudio.core, blockstudio.core.memory as m; print(m.applied)"
    assert run(code) == "True"


def test_blockstudio_malloc_system_leaves_malloc_alone():
    code = "import blockstudio.core, blockstudio.core.memory as m; print(m.applied)"
    assert run(code, BLOCKSTUDIO_MALLOC="system") == "False"
