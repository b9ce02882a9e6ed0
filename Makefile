# make           builds bin/samsa, which the bin/kafka-*.sh shims run
# make install   installs samsa and the shims into $(PREFIX)/bin
# make test      runs the whole test suite (scripts/test.sh)

PREFIX ?= /usr/local
GO ?= go

.PHONY: all build install test clean

all: build

build:
	$(GO) build -o bin/samsa ./cmd/samsa

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 bin/samsa bin/samsa-run $(DESTDIR)$(PREFIX)/bin/
	for f in bin/kafka-*.sh; do install -m 0755 $$f $(DESTDIR)$(PREFIX)/bin/; done
	for f in bin/kafka-*.sh; do b=$$(basename $$f .sh); ln -sf $$b.sh $(DESTDIR)$(PREFIX)/bin/$$b; done

test:
	scripts/test.sh

clean:
	rm -f bin/samsa
