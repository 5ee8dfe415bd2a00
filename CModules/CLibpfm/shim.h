// libpfm4 (Debian: libpfm4-dev). This module carries libpfm's own copy of
// perf_event.h; it is kept in a module of its own so that it never meets the
// kernel's <linux/perf_event.h>, which CPerfEvents includes.
#include <perfmon/pfmlib_perf_event.h>
