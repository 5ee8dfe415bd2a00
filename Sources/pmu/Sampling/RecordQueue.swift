import Glibc

/// The hand-off between the thread that empties the ring buffers and the one
/// that formats or writes what they held: batches of undecoded records, in the
/// order they were taken, with the end of each drain round marked (a perf.data
/// file puts FINISHED_ROUND there). Bounded by bytes: when it is full, the
/// reader leaves records in the ring buffers and the kernel counts them lost,
/// so a slow consumer shows as loss, never as samples gone missing.
final class RecordQueue: @unchecked Sendable {
    /// The records one drain took from one sampler's buffers, back to back.
    struct Batch {
        var sampler: Int
        var bytes: [UInt8]
    }

    enum Item {
        case batch(Batch)
        /// Every buffer was drained once: records after this are newer than the round's oldest.
        case roundEnd
        /// A buffer whose content did not frame (the reader skipped to its head).
        case problem(sampler: Int, text: String)
    }

    /// The most bytes held before the reader stops taking records.
    let limit: Int
    /// The most arrays kept for reuse.
    static let maximumSpares = 64
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var items: [Item] = []
    private var bytes = 0
    private var finished = false
    /// When the last items came (CLOCK_MONOTONIC nanoseconds).
    private var lastPush = 0

    init(limit: Int) {
        self.limit = limit
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    private func locked<Result>(_ body: () -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Byte arrays the consumer is done with, kept with their capacity: a
    /// reader that writes into memory it touched before takes no page faults
    /// (each costs microseconds in a VM), so it frees the kernel's space sooner.
    private var spare: [[UInt8]] = []

    /// An empty array, with capacity when one was given back or made ready.
    func emptyBytes() -> [UInt8] {
        locked { spare.popLast() ?? [] }
    }

    /// Tops the spare arrays up to `count`, each `capacity` bytes already
    /// touched: the consumer does this while it waits, so that the reader's
    /// copies in a burst land in memory that takes no page faults.
    func prepareSpares(count: Int, capacity: Int) {
        let missing = locked { max(0, count - spare.count) }
        guard missing > 0 else { return }
        var made: [[UInt8]] = []
        for _ in 0..<missing {
            var bytes = [UInt8](repeating: 0, count: capacity)  // zero-filled: every page touched
            bytes.removeAll(keepingCapacity: true)
            made.append(bytes)
        }
        locked { spare += made }
    }

    /// Gives an array back for the reader to reuse.
    func recycle(_ bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        let kept = bytes
        bytes = []
        locked { if spare.count < Self.maximumSpares { spare.append(kept) } }
    }

    /// Whether the queue holds less than its limit.
    var hasRoom: Bool { locked { bytes < limit } }

    /// Adds the items of one drain round and wakes the consumer.
    func push(_ newItems: [Item]) {
        guard !newItems.isEmpty else { return }
        locked {
            for item in newItems { if case .batch(let batch) = item { bytes += batch.bytes.count } }
            items += newItems
            lastPush = monotonicNanoseconds()
            pthread_cond_signal(condition)
        }
    }

    /// No more items will come.
    func finish() {
        locked {
            finished = true
            pthread_cond_signal(condition)
        }
    }

    /// What is queued, once it is worth taking: when the reader has finished,
    /// when it has been quiet for `quietMilliseconds` (no burst under way), or
    /// when `highWater` bytes are held. Waits up to `milliseconds` for that, and
    /// returns nothing if it did not come. Formatting while the kernel writes a
    /// burst would take the CPU the reader needs (on a 2-core machine the
    /// workload has one and the formatter the other), so a burst is held in
    /// memory and formatted after it. `finished` is true once the reader is done
    /// and nothing is left after these.
    func take(quietMilliseconds: Int, highWater: Int, waitingAtMost milliseconds: Int) -> (items: [Item], finished: Bool) {
        locked {
            let deadline = monotonicNanoseconds() + milliseconds * 1_000_000
            while true {
                let now = monotonicNanoseconds()
                let quiet = !items.isEmpty && now - lastPush >= quietMilliseconds * 1_000_000
                if finished || bytes >= highWater || quiet { break }
                if now >= deadline { return ([], false) }
                let wake = items.isEmpty ? deadline : min(deadline, lastPush + quietMilliseconds * 1_000_000)
                var time = timespec(tv_sec: wake / 1_000_000_000, tv_nsec: wake % 1_000_000_000)
                _ = pthread_cond_timedwait(condition, mutex, &time)
            }
            let taken = items
            items.removeAll()
            bytes = 0
            return (taken, finished && taken.isEmpty)
        }
    }

    private func monotonicNanoseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1_000_000_000 + now.tv_nsec
    }
}
