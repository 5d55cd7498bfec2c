// See glibc_compat.h: stands in for glibc 2.32's __libc_single_threaded. Always 0, so
// libstdc++ always takes its thread-safe path.
#include "glibc_compat.h"

extern "C" {
char lem_libc_single_threaded = 0;
}
