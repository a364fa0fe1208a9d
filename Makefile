# SPDX-License-Identifier: MIT
# A thin wrapper over Meson: every target installs what it needs first (scripts/deps.sh).
#   make run    build and serve on 127.0.0.1:8080 with SQLite at ./entitled.db
#   make test   build with ASan + UBSan and run every test (unit, API on SQLite and on a
#               throwaway PostgreSQL, TSan, OpenAPI lint)
#   make build  leave the daemon at build/entitled
#   make bench  benchmark an optimised daemon against nginx (docs/PERFORMANCE.md; ~6 minutes;
#               BENCH_SECONDS=3 for a quick try)
#   make install  install under PREFIX (default /usr/local; PREFIX=/usr for Debian's layout) and
#               DESTDIR: the binary, entitled(8), the systemd unit, /etc/default/entitled, the
#               library and its header (docs/deploy.md, "Installing")
#   make bench-scale  1,000,000 accounts and 5,000,000 entitlements (20-30 minutes, ~9 GB disk)
#   make bench-scaleout  one daemon, then three, on one durable PostgreSQL (~3 minutes)
BUILD      ?= build
TEST_BUILD ?= build-asan

FUZZ_SECONDS ?= 600

PREFIX     ?= /usr/local
DESTDIR    ?=

.PHONY: all build run test install tsan check format deps clean fuzz bench bench-scale bench-scaleout

all: build

build:
	@scripts/deps.sh build
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) --buildtype=debugoptimized -Dwerror=true
	@ninja -C $(BUILD)

run: build
	./$(BUILD)/entitled serve

install: build
	@meson configure $(BUILD) -Dprefix=$(PREFIX) >/dev/null
	@ninja -C $(BUILD)
	@DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild

test:
	@scripts/deps.sh test
	@scripts/test.sh $(TEST_BUILD)

tsan:
	@scripts/deps.sh test
	@scripts/tsan.sh build-tsan

# libFuzzer targets (fuzz/README.md): FUZZ_SECONDS per target.
fuzz:
	@scripts/deps.sh test
	@scripts/fuzz.sh $(FUZZ_SECONDS)

check:
	@scripts/checksrc.sh

bench:
	@scripts/deps.sh bench
	@scripts/bench.sh

bench-scale:
	@scripts/deps.sh bench
	@scripts/bench.sh scale

format:
	@clang-format -i $$(find src include tests/unit bench fuzz -name '*.[ch]' 2>/dev/null)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) build-tsan build-valgrind build-fuzz

bench-scaleout:
	@scripts/deps.sh bench
	@bench/scaleout.sh
