# The two commands: `make run` and `make test`. Both install missing Debian packages first.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build run test clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release > /dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/imgpipe serve

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600

clean:
	rm -rf $(BUILD_DIR)
