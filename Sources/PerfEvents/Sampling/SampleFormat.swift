/// What the decoder must know of an event's attributes to read its records:
/// `sample_type`, `read_format` (for `PERF_SAMPLE_READ`) and whether
/// `sample_id_all` appends a `sample_id` trailer to the other records.
package struct SampleFormat: Hashable, Sendable {
    package var sampleType: SampleType
    package var readFormat: ReadFormat
    package var sampleIDAll: Bool

    package init(sampleType: SampleType, readFormat: ReadFormat = [], sampleIDAll: Bool = false) {
        self.sampleType = sampleType
        self.readFormat = readFormat
        self.sampleIDAll = sampleIDAll
    }

    /// The bytes of the `sample_id` trailer on records other than samples (0 without `sample_id_all`).
    package var trailerSize: Int { sampleIDAll ? sampleType.sampleIDSize : 0 }
}
