// SPDX-License-Identifier: MIT
// platform: which facilities the build may use. SVKIT_LINUX is 1 on Linux unless the
// build asks for POSIX facilities only (cmake -DSVKIT_POSIX_ONLY=ON, the code path a Mac
// or a BSD runs, tested on Linux): no inotify, signalfd, pidfd, /proc or prctl then.
#pragma once

#if defined(__linux__) && !defined(SVKIT_POSIX_ONLY)
#define SVKIT_LINUX 1
#else
#define SVKIT_LINUX 0
#endif
