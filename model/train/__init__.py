"""SEED-mini training package (run with Debian's /usr/bin/python3): dataset, models, training, export, evaluation."""
