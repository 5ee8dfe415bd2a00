import CBenchReference
import CPerfEvents

/// A timed loop over a sample buffer: fills every element with the latency
/// (ns) of one operation and returns 0, or stops at the first failure and
/// returns its code (-errno, or a positive code the operation defines).
/// The C reference loops in CBenchReference have the same shape.
typealias SampleLoop = (UnsafeMutableBufferPointer<UInt64>) -> Int64

/// The Swift timed loop. `operation` is inlined into the loop, so a loop
/// built from this does per sample exactly what the C reference does: read
/// the clock, run the operation, read the clock, store the difference, then
/// check the operation's result. No allocation, no reference counting, no
/// indirect call between the two clock reads.
@inline(__always)
func timeEach(_ samples: UnsafeMutableBufferPointer<UInt64>, _ operation: () -> Int64) -> Int64 {
    guard let base = samples.baseAddress else { return 0 }
    var index = 0
    let count = samples.count
    while index < count {
        let start = cpe_monotonic_raw_ns()
        let result = operation()
        let end = cpe_monotonic_raw_ns()
        base[index] = end &- start
        if result < 0 { return result }
        index &+= 1
    }
    return 0
}

/// As ``timeEach(_:_:)``, with `before` run ahead of the clock pair of every sample and
/// `after` behind it, both untimed (the other half of a start/stop cycle, so that each
/// sample starts from the same state). A failure of either ends the loop with its code.
@inline(__always)
func timeEach(_ samples: UnsafeMutableBufferPointer<UInt64>, before: () -> Int64, after: () -> Int64,
              _ operation: () -> Int64) -> Int64 {
    guard let base = samples.baseAddress else { return 0 }
    var index = 0
    let count = samples.count
    while index < count {
        let prepared = before()
        if prepared < 0 { return prepared }
        let start = cpe_monotonic_raw_ns()
        let result = operation()
        let end = cpe_monotonic_raw_ns()
        base[index] = end &- start
        if result < 0 { return result }
        let undone = after()
        if undone < 0 { return undone }
        index &+= 1
    }
    return 0
}

/// The batch-timed Swift loop: `batch` operations between one clock pair, each
/// sample the time per operation (the C batch loops have the same shape). The
/// first failure ends the batch and is returned after the clock is read.
@inline(__always)
func timeBatched(_ samples: UnsafeMutableBufferPointer<UInt64>, batch: Int, _ operation: () -> Int64) -> Int64 {
    guard let base = samples.baseAddress, batch > 0 else { return 0 }
    var index = 0
    let count = samples.count
    let divisor = UInt64(batch)
    while index < count {
        var result: Int64 = 0
        let start = cpe_monotonic_raw_ns()
        var left = batch
        while left > 0 && result >= 0 {
            result = operation()
            left &-= 1
        }
        let end = cpe_monotonic_raw_ns()
        base[index] = (end &- start) / divisor
        if result < 0 { return result }
        index &+= 1
    }
    return 0
}

/// The cost of the timer itself, as the Swift loops pay it: an empty operation.
func swiftTimerLoop(_ samples: UnsafeMutableBufferPointer<UInt64>) -> Int64 {
    timeEach(samples) { 0 }
}

/// The cost of the timer itself, as the C loops pay it.
func cTimerLoop(_ samples: UnsafeMutableBufferPointer<UInt64>) -> Int64 {
    cbr_timer_loop(samples.baseAddress, UInt64(samples.count))
}

/// The raw system call floor: `syscall(SYS_getpid)` timed in C, in the same
/// state as the row (a tracepoint row's counter is open: the traced entry path).
func syscallFloorLoop(_ samples: UnsafeMutableBufferPointer<UInt64>) -> Int64 {
    cbr_syscall_floor_loop(samples.baseAddress, UInt64(samples.count))
}
