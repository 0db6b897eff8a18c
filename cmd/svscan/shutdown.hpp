// SPDX-License-Identifier: MIT
// shutdown: what svscan does on SIGHUP. Every supervise it started is told to stop
// (SIGTERM: it stops its service and logger, then exits), in dependency order: a service
// is stopped only once every service that depends on it has stopped (or has had its
// bound: its timeout-kill plus 2 s, else 10 s). Services that take part in no
// dependency are all stopped at once, as runsvdir does; without any dependencies.d the
// cost is one access(2) per service. svscan waits at most 60 s (longer only while a
// step's bound runs), then exits 111.
#pragma once
#include <string>

#include "scanner.hpp"
#include "svkit/signal_fd.hpp"

namespace svscan {

[[noreturn]] void shut_down(Scanner& scanner, svkit::SignalFd& signals, const std::string& dir);

}  // namespace svscan
