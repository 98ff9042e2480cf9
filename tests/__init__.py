"""aiotest's own tests.

Importing this package makes every DeprecationWarning attributed to one of aiotest's modules
an error, so that aiotest cannot come to rely on an API some Python version is removing.
The filter lives here, in code, because a ``-W`` or ``PYTHONWARNINGS`` module field must
match the whole module name and cannot cover ``aiotest._case``, ``aiotest._legacy`` and the
rest at once. It holds where the run leaves the filters alone: unittest resets them when
no ``-W`` option is given at all, which is why tox always sets ``PYTHONWARNINGS``.
"""

from __future__ import annotations

import warnings

# aiotest itself and any of its submodules; "aiotest_helpers" or "aiotestx" are not it.
AIOTEST_MODULES = r"aiotest(\.|$)"

warnings.filterwarnings("error", category=DeprecationWarning, module=AIOTEST_MODULES)
