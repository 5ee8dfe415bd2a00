/// A term value with more significant bits than its format field holds.
struct BitPackingError: Error, Hashable, Sendable {
    var term: String
    var value: UInt64
    var width: Int
}

/// Scatters the low bits of `value` over the bit ranges of `field`, in the
/// order the ranges are listed, lowest bit first, as the kernel and perf
/// read a sysfs format such as `config1:0,2,4,6,8,20-28`.
///
/// - Returns: the bits to OR into the field's config word (positioned there).
/// - Throws: when `value` needs more bits than the field has, naming the
///   term, the value and the width, so nothing is silently truncated.
func packBits(_ value: UInt64, into field: FormatField) throws(BitPackingError) -> UInt64 {
    let width = field.width
    if width < 64 && value >> UInt64(width) != 0 {
        throw BitPackingError(term: field.name, value: value, width: width)
    }
    var packed: UInt64 = 0
    var source = 0
    for range in field.ranges {
        for bit in range {
            guard source < 64 else { return packed }
            if bit >= 0 && bit < 64 && (value >> UInt64(source)) & 1 != 0 {
                packed |= 1 << UInt64(bit)
            }
            source += 1
        }
    }
    return packed
}
