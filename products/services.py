"""Writes of the products app: registry snapshots, rounds and targets."""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Registry snapshots and rounds (owned by the registry engineer)
# ---------------------------------------------------------------------------

# (registry section end)

# ---------------------------------------------------------------------------
# Targets (owned by the targets engineer)
# ---------------------------------------------------------------------------

# (targets section end)
