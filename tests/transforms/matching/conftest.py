"""Load the real ``transforms.matching`` before its tests.

pytest (importlib mode, ``tests`` on sys.path) registers this folder under the module name
``transforms.matching``, shadowing the package when nothing imported it yet; the editable
install only maps one level below ``transforms``. The cleaner fix, for whoever owns it:
``import transforms.matching`` in tests/transforms/conftest.py.
"""

import importlib.util
import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[3] / "transforms" / "matching"

if not hasattr(sys.modules.get("transforms.matching"), "resolve"):
    _spec = importlib.util.spec_from_file_location(
        "transforms.matching", _PACKAGE / "__init__.py", submodule_search_locations=[str(_PACKAGE)]
    )
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["transforms.matching"] = _module
    _spec.loader.exec_module(_module)
