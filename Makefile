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

.PHONY: setup configure build run test test-unit test-asan bench fuzz format clean

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

# libFuzzer targets (clang, ASan+UBSan) in their own build folder, each run FUZZ_SECONDS on its
# seed corpus (tests/fuzz/corpus/<target>) and past crashes (tests/fuzz/regressions/<target>);
# what a run adds to the corpus stays in $(FUZZ_BUILD_DIR)/corpus, a crash in $(FUZZ_BUILD_DIR)/crashes.
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= csv_reader parquet_reader ipc_reader expression task_yaml pipeline_spec agent_message
fuzz: setup
	@cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DDEEPRC_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS)
	@for target in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD_DIR)/corpus/$$target $(FUZZ_BUILD_DIR)/crashes; \
	  echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD_DIR)/bin/$${target}_fuzzer -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD_DIR)/crashes/$$target- $(FUZZ_BUILD_DIR)/corpus/$$target \
	    $$(ls -d tests/fuzz/corpus/$$target tests/fuzz/regressions/$$target 2>/dev/null) || exit 1; \
	done

format:
	@clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	@rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)
