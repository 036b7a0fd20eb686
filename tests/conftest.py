import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def trace():
    import model
    return model.run("Emma smiled at her father, and said that she would")


@pytest.fixture(scope="session")
def cfg(trace):
    return trace.config
