import PMUBenchCore

/// Runs several implementations of one operation in alternating blocks
/// (A, B, C, A, B, C, …) so that frequency changes, noisy neighbours and
/// other drift hit all of them alike, after a warm-up whose samples are
/// thrown away.
struct Interleaver {
    var blockSize: Int
    var iterations: Int
    var warmup: Int

    /// What one implementation measured.
    struct Outcome {
        var recorder = LatencyRecorder()
        /// Each per-block hook's total for this implementation (e.g. tracepoint events), in hook order.
        var hookTotals: [UInt64] = []
        /// The first hook's total.
        var hookTotal: UInt64 { hookTotals.first ?? 0 }
        /// The first failure code, if the loop failed.
        var failure: Int64?
        /// Per repetition, the median of each measured block in order: the
        /// pairs behind the paired ratios.
        var blockMedians: [[UInt64]] = []

        /// Adds a later repetition's samples, block medians and hook totals.
        mutating func absorb(_ other: Outcome) {
            recorder.merge(other.recorder)
            blockMedians += other.blockMedians
            if hookTotals.count < other.hookTotals.count {
                hookTotals += [UInt64](repeating: 0, count: other.hookTotals.count - hookTotals.count)
            }
            for index in other.hookTotals.indices { hookTotals[index] &+= other.hookTotals[index] }
            if failure == nil { failure = other.failure }
        }
    }

    /// Runs `loops` interleaved. `hook`, when given, is read before and after
    /// every measured block and the difference credited to that block's
    /// implementation (used to count kvm tracepoint events per implementation).
    func run(_ loops: [(Implementation, SampleLoop)], hook: (() -> UInt64)? = nil,
             progress: (Int, Int) -> Void = { _, _ in }) -> [Implementation: Outcome] {
        run(loops, hooks: hook.map { [$0] } ?? [], progress: progress)
    }

    /// Runs `loops` interleaved, reading every hook before and after each measured block.
    func run(_ loops: [(Implementation, SampleLoop)], hooks: [() -> UInt64],
             progress: (Int, Int) -> Void = { _, _ in }) -> [Implementation: Outcome] {
        var outcomes: [Implementation: Outcome] = [:]
        for (implementation, _) in loops {
            outcomes[implementation] = Outcome(hookTotals: [UInt64](repeating: 0, count: hooks.count), blockMedians: [[]])
        }
        let buffer = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: max(1, blockSize))
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0)

        // Warm-up: caches, branch predictors, page tables, the first-touch of every buffer.
        for (implementation, loop) in loops {
            var left = warmup
            while left > 0 && outcomes[implementation]?.failure == nil {
                let slice = UnsafeMutableBufferPointer(rebasing: buffer[0..<min(left, blockSize)])
                let result = loop(slice)
                if result != 0 { outcomes[implementation]?.failure = result }
                left -= slice.count
            }
        }
        let rounds = (iterations + blockSize - 1) / blockSize
        for round in 0..<rounds {
            let size = min(blockSize, iterations - round * blockSize)
            let slice = UnsafeMutableBufferPointer(rebasing: buffer[0..<size])
            for (implementation, loop) in loops where outcomes[implementation]?.failure == nil {
                let before = hooks.map { $0() }
                let result = loop(slice)
                let after = hooks.map { $0() }
                if result != 0 {
                    outcomes[implementation]?.failure = result
                    continue
                }
                outcomes[implementation]?.recorder.record(UnsafeBufferPointer(slice))
                outcomes[implementation]?.blockMedians[0].append(PairedRatio.blockMedian(UnsafeBufferPointer(slice)))
                for index in hooks.indices {
                    outcomes[implementation]?.hookTotals[index] &+= after[index] &- before[index]
                }
            }
            progress(round + 1, rounds)
        }
        return outcomes
    }
}
