/// Per-PMU latency rows (LAB_BENCH=1); filled in later.
struct Bench {
    var lab: Lab
    func run() {}
}
