// The system layer's types (Errno, SystemError, CPUSet, FileSystem, Affinity) are part of
// PerfEvents' API: a tool that imports PerfEvents names them without a second import.
@_exported import LinuxSystem
