// See glibc_compat.h: what keeps the addon loadable with glibc 2.28 and GCC 8's libstdc++.
#include "glibc_compat.h"

#include <new>

// Stands in for glibc 2.32's __libc_single_threaded. Always 0, so libstdc++ always takes
// its thread-safe path.
extern "C" {
char lem_libc_single_threaded = 0;
}

#if defined(__linux__) && !defined(LEM_NO_GLIBC_COMPAT)
// GCC 11+ headers call this from std::allocator; libstdc++ exports it only since
// GLIBCXX_3.4.29 (GCC 11). Defining it here binds the calls to our own copy.
namespace std {
void __throw_bad_array_new_length() { throw bad_array_new_length(); }
}  // namespace std
#endif
