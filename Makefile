# swift-perf-events: two commands.
#   make test   builds everything and runs every test (unit, real kernel, Embedded aarch64 compile)
#   make bench  runs pmu-bench, the main job, and writes JSON + SVG
# and `make install PREFIX=DIR`: pmu, pmu-bench, their man pages and shell completions.
SWIFT ?= swift
SWIFT_FLAGS ?=

.PHONY: test docs bench bench-check deps build install embedded lab lab-bench fuzz fuzz-smoke fuzz-minimize sanitize benchmark-adapter clean

deps:
	@.ci/ensure-deps.sh

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

# pmu and pmu-bench, their man pages (swift-argument-parser's generate-manual plugin, from the
# commands' own definitions) and bash, zsh and fish completions (--generate-completion-script),
# under $(DESTDIR)$(PREFIX). CONFIGURATION=debug installs the debug build (what make test checks).
PREFIX ?= /usr/local
CONFIGURATION ?= release
install: deps
	$(SWIFT) build $(SWIFT_FLAGS) -c $(CONFIGURATION) --product pmu
	$(SWIFT) build $(SWIFT_FLAGS) -c $(CONFIGURATION) --product pmu-bench
	@# The plugin builds the package's products in that configuration, runs each tool's
	@# --experimental-dump-help and writes an mdoc page per tool under .build/plugins.
	$(SWIFT) package $(SWIFT_FLAGS) plugin generate-manual --configuration $(CONFIGURATION)
	@bash -c 'set -euo pipefail; bin=$$($(SWIFT) build $(SWIFT_FLAGS) -c $(CONFIGURATION) --show-bin-path); \
		pages=$$bin/../../plugins/GenerateManual/outputs; root="$(DESTDIR)$(PREFIX)"; \
		install -d "$$root/bin" "$$root/share/man/man1" "$$root/share/bash-completion/completions" \
			"$$root/share/zsh/site-functions" "$$root/share/fish/vendor_completions.d"; \
		for tool in pmu pmu-bench; do \
			install -m 755 "$$bin/$$tool" "$$root/bin/$$tool"; \
			install -m 644 "$$pages/$$tool/$$tool.1" "$$root/share/man/man1/$$tool.1"; \
			"$$bin/$$tool" --generate-completion-script bash > "$$root/share/bash-completion/completions/$$tool"; \
			"$$bin/$$tool" --generate-completion-script zsh > "$$root/share/zsh/site-functions/_$$tool"; \
			"$$bin/$$tool" --generate-completion-script fish > "$$root/share/fish/vendor_completions.d/$$tool.fish"; \
		done; echo "installed pmu and pmu-bench, man pages and completions under $$root"'

# Suites that need the machine or the process to themselves, each group in a process of its own:
# the sampling volume tests race the kernel for CPU (a reader must empty a ring buffer before it
# fills, as perf record must) and hold 100,000-line outputs, so they run first, alone; the soak
# and KVM leak checks count every descriptor and page of the process, after the other suites.
ALONE_SUITES = SampleVolumeTests|SoakTests|KVMLeakTests
LEAK_SUITES = SoakTests|KVMLeakTests

test: deps
	@rm -f .build/step-times.txt
	.ci/timed.sh build $(SWIFT) build $(SWIFT_FLAGS) --build-tests
	@# The sampling volume tests first, with the machine to themselves: they race the kernel for CPU.
	.ci/timed.sh volume-tests bash -c 'set -o pipefail; $(SWIFT) test $(SWIFT_FLAGS) --skip-build --filter SampleVolumeTests 2>&1 | tee .build/test-volume.log'
	@# From here to the adapter's run, at a lower priority, the package-benchmark adapter's cold
	@# build (3 min on 2 cores; seconds once .build-adapter holds it): the Swift tests, the leak
	@# checks and the pipeline keep about one core busy, waiting on perf, processes and VCPUs.
	@SWIFT=$(SWIFT) .ci/background.sh start adapter-build nice -n 10 .ci/benchmark-adapter-test.sh --build-only
	@# The log is kept in .build/test.log; the slowest suites are printed even when a test
	@# fails, and the recipe keeps swift test's exit status (pipefail: not tee's).
	.ci/timed.sh swift-test bash -c 'set -o pipefail; $(SWIFT) test $(SWIFT_FLAGS) --skip-build --skip "$(ALONE_SUITES)" 2>&1 | tee .build/test.log; status=$$?; \
		.ci/slowest-suites.sh .build/test.log 10 || true; exit $$status'
	.ci/timed.sh leak-tests bash -c 'set -o pipefail; $(SWIFT) test $(SWIFT_FLAGS) --skip-build --filter "$(LEAK_SUITES)" 2>&1 | tee .build/test-leaks.log'
	@# node_exporter, Prometheus and a Pushgateway on loopback, started and stopped by the script (~15 s).
	.ci/timed.sh prometheus Tests/Prometheus/pipeline-test.sh "$$($(SWIFT) build $(SWIFT_FLAGS) --show-bin-path)"
	@# make install of the debug build into a scratch prefix: man -l renders the pages, the bash
	@# completion loads and completes (Tests/Install/installed-check.sh).
	@.ci/timed.sh install bash -c 'prefix=$$(mktemp -d); trap "rm -rf $$prefix" EXIT; \
		$(MAKE) --no-print-directory install PREFIX=$$prefix CONFIGURATION=debug > .build/install-check.log 2>&1 \
			|| { tail -20 .build/install-check.log; exit 1; }; Tests/Install/installed-check.sh $$prefix'
	@# The DocC catalogs of PerfEvents and KVM, warnings as errors, every public symbol documented.
	.ci/timed.sh docs $(MAKE) --no-print-directory docs
	@# The package-benchmark adapter (Benchmarks/PMUBenchmarkMetrics, its own package): its build
	@# (above, in the background) awaited, then its example run under pmu stat, the adapter's
	@# per-iteration counts checked against pmu stat's (~20 s).
	.ci/timed.sh adapter-build-wait .ci/background.sh wait adapter-build 900
	SWIFT=$(SWIFT) .ci/timed.sh benchmark-adapter .ci/benchmark-adapter-test.sh "$$($(SWIFT) build $(SWIFT_FLAGS) --show-bin-path)"
	@# The lab's runner build is the Embedded Swift compile of PerfEvents, KVM and
	@# KVMGuestPrograms for aarch64 (.ci/embedded-build.sh): not run a second time here.
	@# The lab is single-threaded (swiftc -wmo, then QEMU with -icount), so the fuzz smoke
	@# and the outside-package build run beside it on the other core; its log follows theirs.
	@.ci/timed.sh lab+fuzz+consumer bash -c 'Tests/Lab/run-lab.sh > .build/lab.log 2>&1 & lab=$$!; status=0; \
		$(MAKE) --no-print-directory fuzz-smoke || status=1; \
		SWIFT=$(SWIFT) .ci/consumer-package-test.sh || status=1; \
		wait $$lab || status=1; cat .build/lab.log; exit $$status'
	@echo "make test step times:"; cat .build/step-times.txt

# The DocC documentation of the two library products (swift-docc-plugin), under .build/docs:
# a DocC warning (a link to nothing, a parameter left undocumented) is an error, and so is a
# public declaration without a documentation comment (.ci/docs-coverage.py, which also prints
# the public symbol count of each module). Open .build/docs/PerfEvents/index.html through a
# web server, or `swift package --disable-sandbox preview-documentation --target PerfEvents`.
# LinuxSystem is documented with them: PerfEvents re-exports it (Errno, SystemError, CPUSet, Affinity).
DOC_TARGETS = PerfEvents KVM LinuxSystem
docs: deps
	@mkdir -p .build/docs
	@for target in $(DOC_TARGETS); do \
		$(SWIFT) package $(SWIFT_FLAGS) --allow-writing-to-directory .build/docs generate-documentation \
			--target $$target --output-path .build/docs/$$target --warnings-as-errors > .build/docs/$$target.log 2>&1 \
			|| { grep -E "error|warning|-->" .build/docs/$$target.log | head -60; echo "make docs: $$target failed (.build/docs/$$target.log)"; exit 1; }; \
		echo "docs: .build/docs/$$target"; \
	done
	.ci/docs-coverage.py .build $(DOC_TARGETS)

# libFuzzer: every target for FUZZ_SECONDS (default 60) each; crashes go to .build-fuzz/crashes/.
# Then the generated event strings against perf (GeneratedConformanceTests; make test asks 5,040
# with a fixed seed): FUZZ_CONFORMANCE_STRINGS of them, with a new seed each run unless
# PMU_CONFORMANCE_SEED is given (the seed is printed; rerun with it to reproduce a failure), perf 6.12
# asked every string (make test asks it only those perf 6.1 answers otherwise); and the
# perf oracle's server against one perf process per string under strace, for every hand-written string.
FUZZ_SECONDS ?= 60
FUZZ_CONFORMANCE_STRINGS ?= 50000
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) .ci/fuzz.sh
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	PMU_CONFORMANCE_GENERATED=$(FUZZ_CONFORMANCE_STRINGS) PMU_CONFORMANCE_SEED=$${PMU_CONFORMANCE_SEED:-$$(date +%s)} PMU_CONFORMANCE_ASK_ALL=1 \
		$(SWIFT) test $(SWIFT_FLAGS) --skip-build --filter GeneratedConformanceTests
	PMU_ORACLE_CROSSCHECK_EVERY=1 $(SWIFT) test $(SWIFT_FLAGS) --skip-build --filter PerfOracleServerTests

# The repository's corpora, minimized with what the runs found (commit the result).
fuzz-minimize: deps
	@.ci/fuzz.sh --minimize

# What `make test` runs: every fuzz target for 8 s (FUZZ_SMOKE_SECONDS): at least 60 s of fuzzing in all.
fuzz-smoke: deps
	@.ci/fuzz.sh --smoke

# The whole suite under AddressSanitizer, then ThreadSanitizer (own scratch paths), the leak
# checks alone after the rest; not the sampling volume tests (a sanitized reader is too slow to
# race the kernel: what they measure is speed, which the sanitizers change). One test at a time:
# in parallel, sanitized tests that block (processes, VCPUs) starve the 2-thread pool and trivial
# tests pass their time limits waiting for a thread.
sanitize: deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests --sanitize=address --scratch-path .build-asan
	LSAN_OPTIONS=suppressions=$(CURDIR)/.ci/lsan.supp \
		$(SWIFT) test $(SWIFT_FLAGS) --skip-build --sanitize=address --scratch-path .build-asan --no-parallel --skip "$(ALONE_SUITES)"
	LSAN_OPTIONS=suppressions=$(CURDIR)/.ci/lsan.supp \
		$(SWIFT) test $(SWIFT_FLAGS) --skip-build --sanitize=address --scratch-path .build-asan --filter "$(LEAK_SUITES)"
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests --sanitize=thread --scratch-path .build-tsan
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build --sanitize=thread --scratch-path .build-tsan --no-parallel --skip "$(ALONE_SUITES)"
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build --sanitize=thread --scratch-path .build-tsan --filter "$(LEAK_SUITES)"

# Release build; the run writes the JSON report and the SVG chart under .build/.
BENCH_FLAGS ?=
bench: deps
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product pmu-bench
	@# pmu beside pmu-bench: the sample keep-up rows run it (next to perf record).
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product pmu
	$$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/pmu-bench $(BENCH_FLAGS) \
		--json .build/pmu-bench.json --svg .build/pmu-bench.svg
	@echo "JSON: $(CURDIR)/.build/pmu-bench.json"
	@echo "SVG:  $(CURDIR)/.build/pmu-bench.svg"
	@# The emulated arm64 rows (two real arm PMUs) when the lab is there (make lab prepares it).
	@if [ -f .build-lab/kernel-6.12/Image ] && command -v qemu-system-aarch64 >/dev/null; then \
		$(MAKE) --no-print-directory lab-bench && echo "lab JSON: $(CURDIR)/.build/pmu-bench-lab.json"; \
	else \
		echo "lab rows: not run (the arm64 lab is not prepared here: make lab)"; \
	fi

# What CI runs after the tests: a quick benchmark with its gate (Swift/C ratios whose
# 95% interval is over the limit, exits == tracepoint counts, no silently empty PMU
# row, no unavailable row without a host condition), then the gates' self-test and the
# instruction-count gate.
bench-check: deps
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product pmu-bench
	@# pmu beside pmu-bench: the sample keep-up rows run it (next to perf record).
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product pmu
	$$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/pmu-bench --quick --check \
		--json .build/pmu-bench-ci.json
	@# The gates must catch a regression: a read path slowed on purpose fails on time and
	@# on instructions (callgrind), one whose reads throw fails --check, the real one passes
	@# the instruction baseline; each with exit status 1 and the row named.
	.ci/bench-gate-selftest.sh $$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/pmu-bench

embedded: deps
	@.ci/embedded-build.sh

# The package-benchmark adapter's test alone (make test runs it too): pmu, then
# .ci/benchmark-adapter-test.sh (Benchmarks/PMUBenchmarkMetrics/README.md).
benchmark-adapter: deps
	$(SWIFT) build $(SWIFT_FLAGS) --product pmu
	SWIFT=$(SWIFT) .ci/benchmark-adapter-test.sh "$$($(SWIFT) build $(SWIFT_FLAGS) --show-bin-path)"

# The emulated arm64 big.LITTLE lab (QEMU, two PMUs, KVM with SET_PMU): the library as
# Embedded Swift runs there and Tests/Lab/check-lab.py judges what it printed.
# LAB_KERNELS="newest 6.12 6.1 5.10" by default (booted at once); `make lab LAB_KERNEL=6.1` runs one.
lab: deps
	@Tests/Lab/run-lab.sh

# The lab plus per-PMU read and guest-exit latency rows (emulated) in .build/pmu-bench-lab.json.
lab-bench: deps
	@LAB_BENCH=1 LAB_KERNELS=$${LAB_KERNEL:-6.12} Tests/Lab/run-lab.sh

clean:
	rm -rf .build .build-embedded .build-fuzz .build-asan .build-tsan .build-adapter .build-lab/runner
