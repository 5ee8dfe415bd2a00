// libpfm4 (Debian: libpfm4-dev).
//
// Only <perfmon/pfmlib.h> is included, NOT <perfmon/pfmlib_perf_event.h>:
// that header brings libpfm's own copy of perf_event.h, whose older
// `struct perf_event_attr` clang refuses to merge with the kernel's (which
// CPerfEvents includes) once both modules are imported into PerfEvents, even
// from different Swift files ("'perf_event_attr::sig_data' from module
// 'CLibpfm' is not present in definition of 'struct perf_event_attr' in module
// 'CPerfEvents'"). The one libpfm type that involves perf_event_attr is
// redeclared below with an untyped pointer; callers pass the kernel's struct,
// whose layout is the same ABI and at least as large.
#include <stddef.h>
#include <stdlib.h>
#include <perfmon/pfmlib.h>

// Same layout as libpfm's pfm_perf_encode_arg_t (pfmlib_perf_event.h), the
// argument of pfm_get_os_event_encoding() for PFM_OS_PERF_EVENT(_EXT).
typedef struct {
	void *attr;      // in/out: struct perf_event_attr * (kernel layout)
	char **fstr;     // out: fully qualified event string (malloc'ed), or NULL
	size_t size;     // sizeof(cpfm_perf_encode_arg_t)
	int idx;         // out: opaque event identifier
	int cpu;         // out: cpu to program, -1 = not set
	int flags;       // out: perf_event_open() flags
	int pad0;        // explicit 64-bit padding
} cpfm_perf_encode_arg_t;

// libpfm returns its fully qualified event strings in malloc'ed memory; the
// library may not import Glibc (Embedded Swift rule), so it frees them here.
static inline void cpfm_free(void *pointer) { free(pointer); }
