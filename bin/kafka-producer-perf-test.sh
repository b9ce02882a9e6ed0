#!/bin/sh
exec "$(dirname "$0")/samsa-run" producer-perf-test "$@"
