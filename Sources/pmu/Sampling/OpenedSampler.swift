import PerfEvents

/// A sampler opened for one plan, its counting event alongside, and what its records added up to.
struct OpenedSampler {
    var plan: SamplePlan
    var sampler: Sampler
    var summary: SampleSummary
    var counter: Counter?

    init(plan: SamplePlan, sampler: Sampler, summary: SampleSummary) {
        self.plan = plan
        self.sampler = sampler
        self.summary = summary
    }
}
