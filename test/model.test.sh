#!/bin/sh
# model.test.sh - the bounded model check (test/model.sh check); the
# haven binary argument is not used: the model is checked, not the binary.
exec sh "$(dirname "$0")/model.sh" check
