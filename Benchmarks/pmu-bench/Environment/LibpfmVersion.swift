import CBenchReference

/// libpfm's version as major.minor (`pfm_get_version()`, called from C:
/// this module cannot import CLibpfm next to CPerfEvents).
func libpfmVersion() -> String {
    let version = cbr_libpfm_version()
    guard version >= 0 else { return "unknown (pfm_get_version returned \(version))" }
    return "\(version >> 16).\(version & 0xffff)"
}
