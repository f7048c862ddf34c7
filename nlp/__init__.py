"""The analysis of coverage: a spaCy pipeline (``config.cfg``) and the batch job that runs it."""

import os

# One BLAS thread per worker: the vector maths is small, and several threads per process fight
# over the cores (key messages went from 2 to 6–20 ms per article). Must precede numpy's import.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
