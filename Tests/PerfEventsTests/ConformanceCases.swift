/// The event strings the conformance suite asks perf and the resolver about, per sysfs tree.
///
/// Every recorded tree under `Fixtures/sysfs` and the live host (`live`) gets the strings that
/// need no particular PMU (software, cache, hardware and raw names, tracepoints, breakpoints,
/// modifiers, groups, syntax errors) and the strings written for its own PMUs (aliases, format
/// terms, overlapping terms, non-format terms, instance names). perf decides what each one
/// means; the table says only which perf command to ask (`record` where perf stat refuses
/// sampling-only terms or drops the sampling fields).
struct ConformanceCase: Sendable, CustomStringConvertible {
    /// A fixture tree name, or `live` for the machine the tests run on.
    var tree: String
    var event: String
    var tool: PerfOracle.Tool = .stat

    var description: String { "\(tree): \(event)\(tool == .record ? " (perf record)" : "")" }
}

enum ConformanceCases {
    /// The recorded trees, then the live host.
    static let trees = ["alderlake", "amd-epyc-pvm", "intel-xeon-pvm", "juno", "rk3399", "x86-server", "live"]

    /// Strings every tree gets: they name no PMU of their own.
    static let common: [String] = [
        // software names, modifiers
        "cs", "cs:u", "cs:k", "faults:uk", "task-clock", "dummy", "cpu-migrations:h", "cpu-clock:I",
        "cs:D", "cs:e", "major-faults:S", "minor-faults:uh", "context-switches:G", "page-faults:H",
        "alignment-faults:GH", "emulation-faults:ukh", "cs:ppp", "bpf-output",
        // hardware, cache and raw names
        "cycles", "instructions:u", "branch-misses:k", "L1-dcache-load-misses", "dTLB-stores", "LLC-loads",
        "r00c0", "r1a:u",
        // tracepoints, globs
        "syscalls:sys_enter_getppid", "sched:sched_switch:k", "syscalls:sys_enter_getpp*",
        // breakpoints
        "mem:0x1000", "mem:0x2000:w", "mem:0x3000/2", "mem:0x1000/1:r", "mem:4096/8:rw:u", "mem:0x4000:x",
        // groups
        "{cs,faults}", "{cs,faults}:u", "{task-clock,cs:k}:u", "{cs,faults}:W", "{cs:D,faults}",
        // type:config, named groups, perf's own terms on generic events
        "1:1", "1:3:hp", "group1{cs,faults}:u", "cs/config1=7,name=x/", "cpu-clock:P", "{cs,faults}:S",
        // what perf 6.1 refuses
        "CYCLES", "Task-Clock", "cs:z", "{cs", "cs}", ",cs", "cs,", "nosuchevent", "nosuchpmu/event=1/",
        "syscalls:no_such_tracepoint", "mem:", "r0X1a",
    ]

    /// Strings written for one tree's PMUs.
    static let own: [String: [(String, PerfOracle.Tool)]] = [
        "rk3399": arm64("armv8_cortex_a53", "armv8_cortex_a72") + [
            ("armv8_cortex_a72/cpu_cycles,threshold=0xfff,threshold_count/", .stat),
            ("armv8_cortex_a53/config1=0x3,threshold_count/", .stat),
        ],
        "juno": arm64("armv8_cortex_a53", "armv8_cortex_a72") + [
            ("armv8_cortex_a53/inst_retired,threshold=0x10,threshold_compare=2,threshold_count/", .stat),
            ("armv8_cortex_a72/event=0x11,threshold=0x1000/", .stat), ("armv8_cortex_a72/threshold=0x2000/", .stat),
        ],
        "alderlake": [
            ("cpu_core/event=0xc0/", .stat), ("cpu_atom/event=0xc0,umask=0x1/", .stat),
            ("cpu_core/cpu-cycles/", .stat), ("cpu_atom/instructions/u", .stat),
            ("cpu_core/event=0x3c,inv,cmask=1/", .stat), ("cpu_core/event=0x3c,edge/k", .stat),
            ("cpu_core/umask=0x1,event=0xc0,umask=0x2/", .stat), ("cpu_core/config=0x1234/", .stat),
            ("cpu_core/config=0xff,event=0/", .stat), ("cpu_core/event=0x100/", .stat),
            ("cpu_core/event=0xc0,name=retired/", .stat), ("cpu_core/event=0xc0,period=100000/", .record),
            ("cpu_atom/event=0xc0,freq=1000/", .record), ("cpu_core//", .stat),
            ("uncore_imc_free_running_0/data_read/", .stat), ("uncore_imc_free_running_0/data_write/", .stat),
            ("{cpu_core/cpu-cycles/,cpu_core/instructions/}", .stat), ("{cpu_atom/cpu-cycles/,cs}:u", .stat),
            ("cpu_core/cpu-cycles/:u", .stat), ("cpu_core/event=0X3c/", .stat), ("cpu_core/CPU-CYCLES/", .stat),
            ("cpu-cycles", .stat), ("cpu_core/nosuchterm=1/", .stat),
            ("cpu_core/mem-loads,ldlat=30/", .stat), ("cpu_atom/mem-loads/", .stat), ("cpu_core/mem-loads/u", .stat),
            ("cpu_core/topdown-retiring/", .stat), ("cpu_atom/topdown-retiring/", .stat), ("cpu_core/slots/", .stat),
            ("topdown-fe-bound", .stat), ("slots", .stat), ("cpu_atom/slots/", .stat), ("mem-stores:u", .stat),
            ("cpu_core/event=0xcd,umask=0x1,ldlat=3,frontend=0x1/", .stat), ("cpu_atom/frontend=0x1/", .stat),
            ("cpu_core/event=0xb7,umask=0x1,offcore_rsp=0x10001/", .stat), ("{cpu_core/slots/,cpu_core/topdown-retiring/}", .stat),
            // what the recorded hybrid machine adds: generic aliases on both PMUs, pc, a second imc
            ("cpu_core/cache-misses/", .stat), ("cpu_atom/ref-cycles/", .stat), ("cpu_atom/bus-cycles/", .stat),
            ("cpu_atom/branch-instructions/u", .stat), ("cpu_core/event=0x3c,pc/", .stat), ("cache-misses", .stat),
            ("branch-instructions:u", .stat), ("uncore_imc_free_running_1/data_read/", .stat),
            ("uncore_imc_free_running/data_read/", .stat), ("data_write", .stat),
        ],
        "x86-server": [
            ("cpu/event=0xc0/", .stat), ("cpu/mem-loads,ldlat=30/", .stat), ("cpu/mem-loads/", .stat),
            ("cpu/event=0x3c,event=0x3/", .stat), ("cpu/config=0xff,event=0/", .stat),
            ("cpu/event=0xc0,umask=0x1,cmask=2,inv,edge,any,pc/", .stat), ("cpu/offcore_rsp=0x10001/", .stat),
            ("cpu/event=0xb7,ldlat=3,frontend=0x10/", .stat), ("cpu/cpu-cycles/", .stat),
            ("cpu/instructions/upp", .stat), ("cpu/event=0xc0,config1=5/", .stat),
            ("cpu/event=0xc0,config2=1/", .stat), ("cpu/event=0xc0,config3=1/", .stat),
            ("cpu/event=0xc0,in_tx,in_tx_cp/", .stat), ("msr/tsc/", .stat), ("msr/aperf/u", .stat),
            ("power/energy-pkg/", .stat), ("uncore_imc_0/event=0x1/", .stat), ("r00c0:u", .stat),
            ("cycles:ppp", .stat), ("{cpu/cpu-cycles/,cpu/instructions/}:S", .stat), ("tsc", .stat),
            ("aperf:u", .stat), ("mperf", .stat), ("ref-cycles", .stat),
            ("cpu/event=0xc0,period=4000,name=inst/", .record), ("cpu/event=0xc0,freq=99/", .record),
            ("cpu/event=0xc0,max-stack=4,no-inherit,overwrite/", .record), ("cpu/event=0xc0,aux-output/", .record),
            ("cpu/event=0xc0,call-graph=fp,stack-size=4096/", .record), ("cpu/event=0xc0,percore/", .stat),
            ("cpu/event=0xc0,metric-id=m1/", .stat), ("cpu/event=0xc0,inherit,no-overwrite/", .record),
            ("cpu/event=0xc0/:u", .stat), ("cpu/cycles/", .stat), ("cpu/Instructions/", .stat),
        ],
        "amd-epyc-pvm": msr(),
        "intel-xeon-pvm": msr() + [("power/energy-psys/", .stat), ("msr/smi/", .stat), ("smi:u", .stat)],
        "live": msr(),
    ]

    /// What every arm64 big.LITTLE tree gets, for its two core PMUs.
    static func arm64(_ little: String, _ big: String) -> [(String, PerfOracle.Tool)] {
        [
            ("\(little)/cpu_cycles/", .stat), ("\(big)/inst_retired/u", .stat), ("\(little)/event=0x11/", .stat),
            ("\(little)/inst_retired,event=0x3/", .stat), ("\(little)/event=0x11,long/", .stat),
            ("\(little)/config=0xff,event=0/", .stat), ("\(big)/config1=3/", .stat),
            ("\(little)/cpu_cycles,name=little_cycles/", .stat), ("\(big)/cpu_cycles,period=100000/", .record),
            ("\(big)/cpu_cycles,freq=4000/", .record), ("\(little)/CPU_CYCLES/", .stat), ("cpu_cycles", .stat),
            ("inst_retired:u", .stat), ("\(little)/nosuch/", .stat), ("\(little)/event=0x10000/", .stat),
            ("\(little)//", .stat), ("{\(little)/cpu_cycles/,\(little)/inst_retired/}", .stat),
            ("{\(big)/cpu_cycles/,cs}:u", .stat), ("\(little)/cpu_cycles/k", .stat),
            ("\(little)/cpu_cycles/:k", .stat), ("\(little)/event=0X11/", .stat), ("\(little)/event=0x11,rdpmc/", .stat),
            ("\(big)/cycles/", .stat), ("mem:0x1000/3", .stat), ("mem:0x1000/6:w", .stat), ("mem:0x1000/16:w", .stat),
            // the recorded A53 event list: aliases only the little cluster has, and bus_cycles on both
            ("\(little)/br_mis_pred/u", .stat), ("\(big)/br_mis_pred/", .stat), ("bus_cycles", .stat), ("br_pred:k", .stat),
            ("{\(little)/br_immed_retired/,\(little)/exc_return/,\(little)/cid_write_retired/}", .stat),
            ("\(big)/bus_cycles,long/", .stat),
        ]
    }

    /// What every tree with an msr PMU gets (the two project hosts and the live host).
    static func msr() -> [(String, PerfOracle.Tool)] {
        [
            ("msr/tsc/", .stat), ("msr//", .stat), ("msr/event=0x3/", .stat), ("msr/tsc/u", .stat), ("tsc", .stat),
            ("msr/tsc,name=tsc_count/", .stat), ("msr/event=0x1,event=0x2/", .stat), ("msr/config=0x4/", .stat),
            ("msr/tsc,period=1000/", .record), ("msr/tsc,freq=100/", .record), ("msr/TSC/", .stat), ("TSC", .stat),
            ("msr/tsc,tsc/", .stat), ("{msr/tsc/,cs}", .stat), ("msr/tsc/:u", .stat), ("msr/event=0X3/", .stat),
            ("msr/config1=5,config2=3/", .stat), ("msr/event=0x100000000/", .stat),
            ("mem:0x1000/3", .stat), ("mem:0x1000/16:w", .stat),
        ]
    }

    /// Whether a live-host case applies here: the msr cases need an msr PMU.
    static func liveApplies(_ event: String) -> Bool {
        let namesMSR = event.hasPrefix("msr/") || event == "tsc" || event == "TSC" || event.contains("msr/")
        return !namesMSR || LiveHost.has("msr")
    }

    /// Strings every tree gets that perf stat refuses or drops: asked of perf record.
    static let commonRecord: [String] = ["cs/period=10/", "cs/time,call-graph=no,max-stack=3/", "r1a/freq=50/"]

    /// Every case, tree by tree.
    static var all: [ConformanceCase] {
        trees.flatMap { tree in
            common.map { ConformanceCase(tree: tree, event: $0) }
                + commonRecord.map { ConformanceCase(tree: tree, event: $0, tool: .record) }
                + (own[tree] ?? []).map { ConformanceCase(tree: tree, event: $0.0, tool: $0.1) }
        }
    }
}
