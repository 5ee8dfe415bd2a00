#if Libpfm
import CLibpfm
#endif

/// A libpfm4 failure: its code and `pfm_strerror` text.
public struct LibpfmError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The event string (empty for initialization).
    public var input: String
    /// libpfm's `PFM_ERR_*` code; 0 when the resolver refuses on its own,
    /// ``notBuiltInCode`` when libpfm4 is not compiled in.
    public var code: Int32
    /// `pfm_strerror(code)`, or the resolver's reason.
    public var message: String

    /// The ``code`` of ``notBuiltIn(input:)``; no libpfm `PFM_ERR_*` code has it.
    public static let notBuiltInCode = Int32.min

    /// What every ``Libpfm`` operation throws when the package was built without
    /// its `Libpfm` trait; `input` is the event string, if any.
    public static func notBuiltIn(input: String) -> LibpfmError {
        LibpfmError(
            input: input, code: notBuiltInCode,
            message: "libpfm4 support is not built in: build with the Libpfm trait (on by default) and install libpfm4-dev")
    }

    /// Whether this is ``notBuiltIn(input:)``: libpfm4 is not compiled in.
    public var isNotBuiltIn: Bool { code == Self.notBuiltInCode }

    public var description: String {
        if input.isEmpty { return isNotBuiltIn ? message : "libpfm4 initialization failed: \(message)" }
        var text = "libpfm4 cannot encode '\(input)': \(message)"
        #if Libpfm
        if code == PFM_ERR_NOTFOUND {
            text += " (list the events it knows here with `pmu events --libpfm`;"
                + " if libpfm does not detect this CPU, set LIBPFM_FORCE_PMU=<libpfm pmu name>)"
        }
        #endif
        return text
    }
}
