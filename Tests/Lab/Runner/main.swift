import PerfEvents

@main
struct Runner {
    static func main() {
        let fs = FileSystem()
        do {
            for entry in try fs.list("/sys/bus/event_source/devices") {
                let type = (try? fs.readAttribute("/sys/bus/event_source/devices/\(entry.name)/type")) ?? "?"
                let text = (try? fs.readAttribute("/sys/bus/event_source/devices/\(entry.name)/cpus")) ?? ""; let cpus = (try? CPUSet(parsing: text))?.description ?? "-"
                print("pmu \(entry.name) type=\(type) cpus=\(cpus)")
            }
        } catch {
            print("error: \(error.description)")
        }
        var d: [String: Int] = ["a": 1]
        d["b"] = 2
        print("dict \(d.count)")
    }
}
