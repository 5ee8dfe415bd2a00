import Glibc

/// The `host` and `kernel` labels every exported series carries: a PMU belongs to one
/// host, and what it counts depends on the kernel, so series from many hosts stay apart
/// in one Prometheus.
public enum HostLabels {
    /// `uname -n` and `uname -r`.
    public static func current() -> [PrometheusExposition.Label] {
        var system = utsname()
        guard uname(&system) == 0 else { return [] }
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return [.init("host", field(system.nodename)), .init("kernel", field(system.release))]
    }
}
