# swift-perf-events: two commands.
#   make test   builds everything and runs every test (unit, real kernel, Embedded aarch64 compile)
#   make bench  runs pmu-bench, the main job, and writes JSON + SVG
SWIFT ?= swift
SWIFT_FLAGS ?=

.PHONY: test bench deps build embedded clean

deps:
	@.ci/ensure-deps.sh

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

test: deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build
	@$(MAKE) --no-print-directory embedded

# Release build; the run writes the JSON report and the SVG chart under .build/.
BENCH_FLAGS ?=
bench: deps
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product pmu-bench
	$$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/pmu-bench $(BENCH_FLAGS) \
		--json .build/pmu-bench.json --svg .build/pmu-bench.svg
	@echo "JSON: $(CURDIR)/.build/pmu-bench.json"
	@echo "SVG:  $(CURDIR)/.build/pmu-bench.svg"

embedded: deps
	@.ci/embedded-build.sh

clean:
	rm -rf .build .build-embedded
