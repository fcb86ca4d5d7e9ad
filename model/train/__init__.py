"""SEED-mini training package (run with the venv of scripts/setup-python.sh): dataset, models, training, export,
evaluation. Entry point: `python -m model.train` (model/train/__main__.py).

Importing it sets two environment defaults before torch loads: OMP_WAIT_POLICY=PASSIVE (measured on 2 cores shared
with other jobs at load ~9: 2 spinning OpenMP threads took 14-31 s per tokenizer step at batch 32, passive threads
1.3 s, a single thread 2 s) and OPENBLAS_NUM_THREADS=1 (OpenBLAS's own threads fight torch's OpenMP threads).
"""

import os as _os

_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
