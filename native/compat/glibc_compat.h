// Forced-included into every native translation unit (binding.gyp and CMake) so the addon
// runs on glibc 2.28 (RHEL/Rocky 8, Ubuntu 20.04, Node 20's own floor) although it is built on
// a newer one: symbols that moved into libc in 2.34 (dl*, pthread_*) or got new versions in
// libm 2.29 are bound to their older versions. Those are the architecture's baseline
// (GLIBC_2.2.5 on x86_64, GLIBC_2.17 on aarch64, whose glibc port starts there) or, on x86_64,
// the version a later rewrite introduced. Tests check the built addons with objdump -T.
#pragma once

#if defined(__linux__) && !defined(LEM_NO_GLIBC_COMPAT) && (defined(__x86_64__) || defined(__aarch64__))
#if defined(__x86_64__)
#define LEM_GLIBC_BASE "GLIBC_2.2.5"
#define LEM_GLIBC_DLINFO "GLIBC_2.3.3"
#define LEM_GLIBC_COND "GLIBC_2.3.2"
#else
#define LEM_GLIBC_BASE "GLIBC_2.17"
#define LEM_GLIBC_DLINFO "GLIBC_2.17"
#define LEM_GLIBC_COND "GLIBC_2.17"
#endif
#define LEM_SYMVER(sym, ver) __asm__(".symver " #sym "," #sym "@" ver)
LEM_SYMVER(dlopen, LEM_GLIBC_BASE);
LEM_SYMVER(dlsym, LEM_GLIBC_BASE);
LEM_SYMVER(dlerror, LEM_GLIBC_BASE);
LEM_SYMVER(dlclose, LEM_GLIBC_BASE);
LEM_SYMVER(dlinfo, LEM_GLIBC_DLINFO);
LEM_SYMVER(pthread_create, LEM_GLIBC_BASE);
LEM_SYMVER(pthread_join, LEM_GLIBC_BASE);
LEM_SYMVER(pthread_detach, LEM_GLIBC_BASE);
LEM_SYMVER(pthread_getcpuclockid, LEM_GLIBC_BASE);
LEM_SYMVER(pthread_once, LEM_GLIBC_BASE);
LEM_SYMVER(pthread_key_create, LEM_GLIBC_BASE);
LEM_SYMVER(pthread_setspecific, LEM_GLIBC_BASE);
LEM_SYMVER(pthread_getspecific, LEM_GLIBC_BASE);
LEM_SYMVER(pthread_mutex_trylock, LEM_GLIBC_BASE);
LEM_SYMVER(pthread_cond_wait, LEM_GLIBC_COND);
LEM_SYMVER(pthread_cond_broadcast, LEM_GLIBC_COND);
LEM_SYMVER(pthread_cond_signal, LEM_GLIBC_COND);
LEM_SYMVER(pthread_cond_destroy, LEM_GLIBC_COND);
// libm 2.29 added faster versions of these under new symbol versions; the old ones remain.
LEM_SYMVER(exp, LEM_GLIBC_BASE);
LEM_SYMVER(log, LEM_GLIBC_BASE);
LEM_SYMVER(pow, LEM_GLIBC_BASE);
LEM_SYMVER(exp2, LEM_GLIBC_BASE);
LEM_SYMVER(log2, LEM_GLIBC_BASE);

// libstdc++ 11+ headers read glibc 2.32's __libc_single_threaded to skip atomics in
// shared_ptr and std::string. Renaming it to a flag of ours that is always 0 keeps the
// (always correct) atomic path and drops the reference to the new symbol.
#define __libc_single_threaded lem_libc_single_threaded
#endif
