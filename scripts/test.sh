#!/usr/bin/env bash
# Runs every Samsa test on a machine with Go: installs the real Kafka
# clients the interop tests drive (Debian packages, KafkaJS from npm),
# vets, runs the whole suite with the race detector, then runs each fuzz
# target briefly.
#
#   FUZZTIME=30s scripts/test.sh    # longer fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(kcat python3-kafka python3-confluent-kafka python3-snappy python3-lz4 python3-zstandard)
missing=()
for p in "${packages[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	echo "installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# KafkaJS for the consumer-group interop tests, exactly as its lock file
# says; again only when the lock file changed since the last install.
kafkajs=test/interop/kafkajs
if [ ! -d "$kafkajs/node_modules" ] || [ "$kafkajs/package-lock.json" -nt "$kafkajs/node_modules/.package-lock.json" ]; then
	echo "installing KafkaJS (npm ci in $kafkajs)"
	(cd "$kafkajs" && npm ci --no-audit --no-fund --loglevel=error)
fi

go mod download
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed on: $unformatted" >&2
	exit 1
fi
go vet ./...
go test -race -count=1 -timeout 25m ./...

# Each fuzz target for a few seconds; the seed corpora already ran above.
fuzztime=${FUZZTIME:-8s}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r file; do
	pkg=./$(dirname "${file#./}")
	for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
		echo "fuzz $pkg $target ($fuzztime)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >/dev/null
	done
done
echo "all tests passed"
