# The two commands of the README: `make run` and `make check`.
# Everything else is CMake (presets `debug` and `release`).

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
KEFU_DB ?= sqlite:./data/kefu.db

.PHONY: run check setup release debug format bench clean

run: setup release
	./build/release/kefu serve --demo 1 --db $(KEFU_DB)

check: setup debug
	ctest --test-dir build/debug --output-on-failure -j$(JOBS)

setup:
	@scripts/setup

release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j$(JOBS)

debug:
	cmake --preset debug >/dev/null
	cmake --build --preset debug -j$(JOBS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

bench: setup release
	bench/http

clean:
	rm -rf build
