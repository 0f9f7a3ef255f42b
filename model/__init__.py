"""greyzone: an agent-based model of China's rare-earth export leverage over Japan."""

import os

# The model's matrix products are small (firms x materials); multithreaded BLAS only adds
# contention, most of all when sweeps run one replication per core. Set before numpy loads;
# a value the user has set already is kept.
for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

__version__ = "0.1.0"
