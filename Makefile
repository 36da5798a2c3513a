# tidal: the two quickstart commands and the developer targets.
#   make demo    install what is missing, build, run the word-count demo
#   make test    build and run every test (plain, then ASan+UBSan, then TSan on threaded tests)
#   make bench   build optimized and run the benchmarks (not part of the tests)
JOBS ?= $(shell nproc)
CMAKE_GEN := -G Ninja

.PHONY: all deps build demo test test-plain test-asan test-tsan bench fuzz clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)

demo: build
	@scripts/demo.sh build/tidal

test-plain: deps
	@cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)
	@cd build && ctest -j $(JOBS) --output-on-failure

test-asan: deps
	@cmake -S . -B build-asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DTIDAL_SANITIZE=address >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest -j $(JOBS) --output-on-failure -LE no-asan

test-tsan: deps
	@cmake -S . -B build-tsan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DTIDAL_SANITIZE=thread >/dev/null
	@cmake --build build-tsan -j $(JOBS)
	@cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest -j $(JOBS) --output-on-failure -L threads

test: test-plain test-asan test-tsan

bench: deps
	@cmake -S . -B build-bench $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build-bench -j $(JOBS)
	@scripts/bench.sh build-bench

fuzz: deps
	@CC=clang cmake -S . -B build-fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DTIDAL_FUZZ=ON -DTIDAL_SANITIZE=address >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

clean:
	rm -rf build build-asan build-tsan build-bench build-fuzz
