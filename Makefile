# secgen — the two commands: `make run` (main job) and `make test` (all tests, ASan/UBSan).
# Both install missing Debian packages first (scripts/install-deps.sh, apt-get as root).
SHELL := /bin/bash
JOBS ?= $(shell nproc)
OUT ?= out

.PHONY: run test deps build build-asan bench fuzz clean models

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

# Main job: ten minutes of a small office network from the embedded default models (an hour is
# ~1.2 GB of pcap; pass your own duration to secgen generate -d).
run: build
	@mkdir -p $(OUT)
	./build/release/secgen generate -d 10m -s 1 -o $(OUT)/secgen.pcap --flows-out $(OUT)/flows.csv
	@./build/release/secgen info $(OUT)/secgen.pcap

test: build-asan
	@ctest --preset asan

fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@scripts/fuzz-smoke.sh build/fuzz 30

bench: build
	@for b in bench/*.sh; do echo "== $$b"; bash $$b || exit 1; done

models: build
	@models/build.sh

clean:
	rm -rf build $(OUT)
