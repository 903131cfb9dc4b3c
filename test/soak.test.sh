#!/bin/sh
# soak.test.sh - a short seeded soak (test/soak.sh) for make check:
# SOAK_CHECK_ROUNDS rounds (default 5) from seed SOAK_CHECK_SEED (default 7,
# whose first rounds cover kills, a pause and both agent faults).
# usage: sh test/soak.test.sh HAVEN_BINARY
SOAK_ROUNDS=${SOAK_CHECK_ROUNDS:-5} SOAK_SEED=${SOAK_CHECK_SEED:-7} \
    exec sh "$(dirname "$0")/soak.sh" "$1"
