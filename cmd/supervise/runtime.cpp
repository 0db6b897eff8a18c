// SPDX-License-Identifier: MIT
// runtime: supervise throws no exceptions, but any C++ object with a destructor makes
// the compiler reference the personality routine, which drags in libstdc++'s verbose
// terminate handler, its demangler and stdio -- some 100 KiB of text that every one of
// hundreds of supervise processes would map. Defining the handler here keeps that
// archive member out of the static link. It can only run on a broken invariant.
#include <stdlib.h>

namespace __gnu_cxx {
void __verbose_terminate_handler() { abort(); }
}  // namespace __gnu_cxx
