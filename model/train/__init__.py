"""SEED-mini training package (run with Debian's /usr/bin/python3): dataset, models, training, export, evaluation.

Importing it sets two environment defaults before torch loads: OMP_WAIT_POLICY=PASSIVE (measured: with the
2 cores shared by other jobs at load ~9, 2 spinning OpenMP threads took 14-31 s per tokenizer step at batch 32;
passive threads took 1.3 s, a single thread 2 s) and OPENBLAS_NUM_THREADS=1.
"""
import os as _os

_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
