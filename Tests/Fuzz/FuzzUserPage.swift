// Fuzz target `user-page`: the mmap-page seqlock reader (UserPage.read) over a
// page image built from the input, with a deterministic counter register,
// clock, and a "kernel" that updates the page (bumps the lock) from inside
// the barriers a given number of times.
//
// Input: byte 0 = number of lock bumps the kernel makes, byte 1 = attempts
// (1…8), bytes 2..<10 = the counter register, 10..<18 = the clock, the rest
// = the first bytes of the page (lock at 8, index at 12, …).

/// The page image, reused (a page is page-aligned and zero past the input).
nonisolated(unsafe) let fuzzPage = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)

func fuzzUserPage(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard bytes.count >= 18 else { return }
    func load(_ offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in (offset..<offset + 8).reversed() { value = value << 8 | UInt64(bytes[index]) }
        return value
    }
    let bumps = Int(bytes[0])
    let attempts = Int(bytes[1] % 8) + 1
    let register = load(2)
    let clockValue = load(10)
    let image = bytes.dropFirst(18).prefix(4096)
    fuzzPage.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
    for (index, byte) in image.enumerated() { fuzzPage.storeBytes(of: byte, toByteOffset: index, as: UInt8.self) }
    let page = UnsafeRawPointer(fuzzPage)
    func field<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T { page.load(fromByteOffset: offset, as: T.self) }

    let lock0 = field(UserPage.Offset.lock, UInt32.self)
    var barriers = 0
    var counterReads: [UInt32] = []
    var clockReads = 0
    let outcome = UserPage.read(
        page: page,
        readCounter: { index in counterReads.append(index); return register },
        readClock: { clockReads += 1; return clockValue },
        barrier: {
            barriers += 1
            if barriers <= bumps {
                fuzzPage.storeBytes(of: lock0 &+ UInt32(barriers), toByteOffset: UserPage.Offset.lock, as: UInt32.self)
            }
        },
        maximumAttempts: attempts)

    // The seqlock: attempt i sees lock0 + min(bumps, 2i) before and lock0 + min(bumps, 2i + 2) after;
    // it succeeds when both are equal and even. The first such attempt is the one that returns.
    let settled = bumps <= 2 * (attempts - 1) && (lock0 &+ UInt32(bumps)) & 1 == 0
    let attemptsMade = settled ? (bumps + 1) / 2 + 1 : attempts
    precondition(barriers == 2 * attemptsMade, "\(barriers) barriers for \(attemptsMade) attempts")
    guard settled else {
        precondition(outcome == .fallBack(.pageUnstable), "returned a value read under an update")
        return
    }

    var capabilities = field(UserPage.Offset.capabilities, UInt64.self)
    if capabilities & UserPage.Capability.bit0IsDeprecated == 0 { capabilities = 0 }
    let userAccess = capabilities & UserPage.Capability.userRDPMC != 0
    let userTime = capabilities & UserPage.Capability.userTime != 0
    let index = field(UserPage.Offset.index, UInt32.self)
    let width = field(UserPage.Offset.pmcWidth, UInt16.self)
    let enabled = field(UserPage.Offset.timeEnabled, UInt64.self)
    let running = field(UserPage.Offset.timeRunning, UInt64.self)
    // The register is read on every attempt that may use it, with the page's index - 1; the clock likewise.
    let readsRegister = userAccess && index != 0
    precondition(counterReads == Array(repeating: index &- 1, count: readsRegister ? attemptsMade : 0))
    precondition(clockReads == (userTime && enabled != running ? attemptsMade : 0))

    switch outcome {
    case .fallBack(let reason):
        switch reason {
        case .noUserAccess: precondition(!userAccess)
        case .notOnCounter: precondition(userAccess && index == 0)
        case .invalidCounterWidth(let bad): precondition(readsRegister && bad == width && (width == 0 || width > 64))
        default: fatalError("unexpected fallback \(reason)")
        }
    case .counted(let count, let clock):
        precondition(readsRegister && width >= 1 && width <= 64, "counted without a usable register")
        // The register contributes its low `width` bits, sign-extended: within the field's range.
        let extended = UserPage.signExtend(register, width: width)
        if width < 64 {
            let half = Int64(1) << (width - 1)
            precondition(extended >= -half && extended < half, "sign extension outside \(width) bits")
        }
        let offset = field(UserPage.Offset.offset, Int64.self)
        precondition(count.value == UInt64(bitPattern: offset &+ extended), "count is not offset + register")
        precondition((clock != nil) == userTime)
        // Extrapolation adds the same delta to both times: their difference is the page's.
        precondition(count.timeEnabled &- count.timeRunning == enabled &- running)
        if let clock, enabled != running {
            precondition(count.timeEnabled == enabled &+ clock.delta(cycles: clockValue))
            checkMultiplyShift(clock.extend(clockValue), clock.timeMultiplier, clock.timeShift)
        } else {
            precondition(count.timeEnabled == enabled && count.timeRunning == running)
        }
        precondition(count.id == nil && count.lost == nil)
    }
}

/// `multiplyShift` against a 128-bit reference.
func checkMultiplyShift(_ value: UInt64, _ multiplier: UInt32, _ shift: UInt16) {
    let product = UInt128(value) * UInt128(multiplier)
    let expected = shift >= 128 ? 0 : UInt64(truncatingIfNeeded: product >> shift)
    precondition(UserPageClock.multiplyShift(value, multiplier, shift) == expected, "multiplyShift is wrong")
}
