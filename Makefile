# The two commands: `make run` and `make test`. Both install missing Debian packages first.
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc)
# Flags for `imgpipe serve` in `make run`, e.g. make run ARGS='--port 9000 --data /srv/img'
ARGS ?=
# Where `make install` puts imgpipe; DESTDIR (for packages) is honoured too.
PREFIX ?= /usr/local

.PHONY: all deps build build-asan build-fuzz run install test fuzz cluster clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release > /dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The same code with AddressSanitizer and UndefinedBehaviorSanitizer: `make test` runs every test
# against both builds (the end-to-end tests then drive the sanitized server). -O1 -g1, the level the
# sanitizers' docs advise: it compiles 2.5x faster than -O2 -g (the Asio coroutines of session.cpp:
# 226 s -> 89 s on 2 cores) and still gives file:line in every report. Its end-to-end suites are
# the release build's executables (see tests/CMakeLists.txt): its ctest needs `make build` too.
build-asan: deps
	@cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMGPIPE_SANITIZE=ON \
		"-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
		-DIMGPIPE_SUITES_FROM=$(abspath $(BUILD_DIR))/tests > /dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)

# libFuzzer targets (clang-14, ASan + UBSan): the op-chain parser, the multipart parser, the image
# load path. `make test` runs the three side by side for FUZZ_SECONDS, then every saved crasher.
build-fuzz: deps
	@cmake -S fuzz -B $(FUZZ_DIR) -DCMAKE_CXX_COMPILER=clang++-14 -DFUZZ_SECONDS=$(FUZZ_SECONDS) > /dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS)

fuzz: build-fuzz
	@rm -f $(FUZZ_DIR)/fuzz-summary.txt
	cd $(FUZZ_DIR) && ctest --output-on-failure --timeout 900 -j 3
	@cat $(FUZZ_DIR)/fuzz-summary.txt

run: build
	$(BUILD_DIR)/imgpipe serve $(ARGS)

# The release binary only (not the tests), then bin/imgpipe and share/doc/imgpipe/examples (a
# systemd unit and an environment file) under PREFIX.
install: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release > /dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target imgpipe
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD_DIR) --prefix "$(PREFIX)"

# A whole cluster on this machine (README "Cluster mode"): nats-server, an S3 server, two API nodes,
# three workers, nginx on port 8000 (CLUSTER_PORT) in front. Ctrl-C stops all of it.
cluster: build
	@scripts/install-deps.sh nginx-light
	@scripts/cluster.sh

# The three builds run side by side: one build alone keeps 2 cores only ~75% busy (its links and
# its slowest files run one at a time), so together they finish sooner than one after another.
# Two tests at a time: most wait on a server; the ones that time it run alone (tests/CMakeLists.txt).
test:
	@$(MAKE) --no-print-directory -j3 build build-asan build-fuzz
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600 -j2
	cd $(ASAN_DIR) && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ctest --output-on-failure --timeout 600 -j2
	@$(MAKE) --no-print-directory fuzz

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
