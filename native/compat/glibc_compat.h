// Forced-included into every native translation unit (binding.gyp and CMake) so the addon
// runs on glibc 2.28 (RHEL/Rocky 8, Node 20's own floor) although it is built on a newer one:
// symbols that moved into libc in 2.34 (dl*, pthread_*) are bound to their older versions.
// A test checks the built addon with objdump -T.
#pragma once

#if defined(__linux__) && defined(__x86_64__) && !defined(LEM_NO_GLIBC_COMPAT)
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
__asm__(".symver dlerror,dlerror@GLIBC_2.2.5");
__asm__(".symver dlclose,dlclose@GLIBC_2.2.5");
__asm__(".symver dlinfo,dlinfo@GLIBC_2.3.3");
__asm__(".symver pthread_create,pthread_create@GLIBC_2.2.5");
__asm__(".symver pthread_join,pthread_join@GLIBC_2.2.5");
__asm__(".symver pthread_detach,pthread_detach@GLIBC_2.2.5");
__asm__(".symver pthread_getcpuclockid,pthread_getcpuclockid@GLIBC_2.2.5");
__asm__(".symver pthread_once,pthread_once@GLIBC_2.2.5");
__asm__(".symver pthread_key_create,pthread_key_create@GLIBC_2.2.5");
__asm__(".symver pthread_setspecific,pthread_setspecific@GLIBC_2.2.5");
__asm__(".symver pthread_getspecific,pthread_getspecific@GLIBC_2.2.5");
__asm__(".symver pthread_mutex_trylock,pthread_mutex_trylock@GLIBC_2.2.5");
__asm__(".symver pthread_cond_wait,pthread_cond_wait@GLIBC_2.3.2");
__asm__(".symver pthread_cond_broadcast,pthread_cond_broadcast@GLIBC_2.3.2");
__asm__(".symver pthread_cond_signal,pthread_cond_signal@GLIBC_2.3.2");
__asm__(".symver pthread_cond_destroy,pthread_cond_destroy@GLIBC_2.3.2");
// libm 2.29 added faster versions of these under new symbol versions; the old ones remain.
__asm__(".symver exp,exp@GLIBC_2.2.5");
__asm__(".symver log,log@GLIBC_2.2.5");
__asm__(".symver pow,pow@GLIBC_2.2.5");
__asm__(".symver exp2,exp2@GLIBC_2.2.5");
__asm__(".symver log2,log2@GLIBC_2.2.5");

// libstdc++ 11+ headers read glibc 2.32's __libc_single_threaded to skip atomics in
// shared_ptr and std::string. Renaming it to a flag of ours that is always 0 keeps the
// (always correct) atomic path and drops the reference to the new symbol.
#define __libc_single_threaded lem_libc_single_threaded
#endif
