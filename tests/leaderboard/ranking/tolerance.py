"""How close two fits of the same votes must be when only the arithmetic's order differs.

Chunking, memory layout, aggregation and BLAS kernels change the order of float64 sums, and a
fresh machine can land a few ulps away from another (2.5e-9 Elo on ratings near 1000 has been
seen: 2.6e-12 relative). A relative tolerance of 1e-9 is still about 1e-6 Elo, a thousand times
below anything a reader could see, yet far above float64 noise at these sizes.
"""

from __future__ import annotations

from typing import Any

import pytest

FLOAT64_REL = 1e-9


def same_fit(expected: Any) -> Any:
    """`pytest.approx` for results that must agree up to summation order."""
    return pytest.approx(expected, rel=FLOAT64_REL, abs=1e-9)
