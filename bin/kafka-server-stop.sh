#!/bin/sh
exec "$(dirname "$0")/samsa-run" server-stop "$@"
