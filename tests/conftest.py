import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# A one-token, a medium and a long (past the context window) prompt for scene tests.
SCENE_PROMPTS = ["Emma", "Elizabeth looked at her sister and",
                 " ".join(["She walked on through the long wet fields, thinking of nothing at all,"] * 8)]
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def trace():
    import model
    return model.run("Emma smiled at her father, and said that she would")


@pytest.fixture(scope="session")
def cfg(trace):
    return trace.config
