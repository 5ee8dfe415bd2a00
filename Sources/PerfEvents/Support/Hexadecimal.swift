/// The number as `0x…` hexadecimal, as perf and sysfs write config values.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
