# The two commands: `make run` and `make test`. Both install missing Debian packages first.
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: all deps build build-asan run test clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release > /dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The same code with AddressSanitizer and UndefinedBehaviorSanitizer: `make test` runs every test
# against both builds (the end-to-end tests then drive the sanitized server).
build-asan: deps
	@cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMGPIPE_SANITIZE=ON > /dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/imgpipe serve

test: build build-asan
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600
	cd $(ASAN_DIR) && ctest --output-on-failure --timeout 600

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
