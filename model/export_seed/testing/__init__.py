"""Reduced-depth stand-ins for the real SEED checkpoints (real key names and widths, random weights), for tests."""
