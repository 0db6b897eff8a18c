// SPDX-License-Identifier: MIT
// signals: SIGCHLD, SIGTERM and SIGINT as a readable fd. On Linux a bare signalfd, so that
// supervise links no C++ exception machinery (see runtime.cpp); elsewhere svkit::SignalFd.
#pragma once

namespace supervise {

// Blocks the signals and returns a non-blocking, close-on-exec fd; -1 with errno on error.
int open_signals() noexcept;
// The next pending signal number; 0 when none is pending; -1 on error.
int next_signal(int fd) noexcept;

}  // namespace supervise
