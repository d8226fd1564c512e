# The two commands of the quick start are `make run` and `make test`; each installs what is
# missing (scripts/setup, idempotent) and builds first.
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS ?= 2
# ccache (installed by scripts/setup) keys on paths relative to the checkout, so a fresh clone
# reuses what an earlier build of the same sources compiled.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
SANITIZE ?= 1
DEEPRC := $(BUILD_DIR)/bin/deeprc

.PHONY: setup configure build run test test-unit test-asan bench format clean

setup:
	@scripts/setup

configure: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@scripts/run-example

# The whole suite in the Release build, then once more under ASan+UBSan (SANITIZE=0 skips that).
test: test-unit
ifeq ($(SANITIZE),1)
test: test-asan
endif

test-unit: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 900

# Under ASan+UBSan: the C++ suites of the data layers (table, net, dist), where memory errors
# would hide; the Python suites and the runtime's process tests run once, in the Release build.
ASAN_TARGETS := deeprc_unit_tests deeprc_mpi_tests
ASAN_TESTS := '^unit\.|^mpi_tests_'
test-asan: setup
	@cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEEPRC_SANITIZE=ON \
	  -DDEEPRC_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD_DIR) -j $(JOBS) --target $(ASAN_TARGETS)
	@ASAN_OPTIONS=detect_leaks=0 ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 900 \
	  -R $(ASAN_TESTS)

bench: build
	@scripts/bench

format:
	@clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	@rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
