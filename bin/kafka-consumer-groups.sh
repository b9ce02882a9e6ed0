#!/bin/sh
exec "$(dirname "$0")/samsa-run" consumer-groups "$@"
