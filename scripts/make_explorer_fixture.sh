#!/bin/sh
# Remake tests/fixtures/explorer_sweep: the small finished sweep the explorer's tests open
# (ambiguous curbs and a blanket ban, 3 replications, 40 firms, 80 weeks).
set -e
cd "$(dirname "$0")/.."
rm -rf tests/fixtures/explorer_sweep
.venv/bin/greyzone --multirun scenario=ambiguous_curbs,blanket_ban run.firms=40 run.horizon_weeks=80 \
    run.replications=3 run.progress=false hydra.sweep.dir=tests/fixtures/explorer_sweep
rm -f tests/fixtures/explorer_sweep/*/greyzone.log
