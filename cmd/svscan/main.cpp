// SPDX-License-Identifier: MIT
// svscan [-P] [dir [log]]: one supervise per service directory of DIR (default
// SVKIT_SERVICE_DIR), restarted when it exits, stopped when its directory goes away.
// Event-driven (inotify/kqueue; a 1 s rescan only where neither exists). Signals: ALRM
// rescans, TERM exits 0 leaving everything running, HUP stops every supervise in
// dependency order and exits 111. See man/svscan.8.
//
// svscan is built into the supervise executable and runs when invoked by the name svscan
// (bin/svscan is a hard link): its code pages are then the ones its hundreds of supervise
// processes map anyway, and its own memory is only its data.
#include <errno.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "launcher.hpp"
#include "scanner.hpp"
#include "setup.hpp"
#include "shutdown.hpp"
#include "svkit/diag.hpp"
#include "svkit/footprint.hpp"
#include "svkit/signal_fd.hpp"
#include "watch.hpp"

using svscan::Clock;

namespace {

constexpr auto kRescan = svscan::Watch::kRescan;  // only without a watcher
constexpr auto kRetryScan = std::chrono::seconds(1);  // after a scan that failed (EMFILE)

int timeout_ms(Clock::time_point next, Clock::time_point now) {
  if (next == Clock::time_point::max()) return -1;  // idle: block without a timeout
  if (next <= now) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::min<long long>(ms, INT_MAX));
}

bool readable(int fd) {
  pollfd p = {fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

// A burst of work leaves free heap behind (glibc keeps it) and the code pages of the
// scanner mapped: give both back. Run only when about to block with nothing scheduled.
void release_free_memory() {
#ifdef __GLIBC__
  ::malloc_trim(0);
#endif
  svkit::trim_footprint();
}

}  // namespace

// After a failed turn of the loop (no memory): 100 ms before the next, so a failure that
// lasts does not spin the CPU or flood the log.
static void pause_after_failure() {
  struct timespec pause = {0, 100 * 1000 * 1000};
  while (::nanosleep(&pause, &pause) < 0 && errno == EINTR) {
  }
}

// Reached through supervise's main(), which dispatches on argv[0].
int svscan_main(int argc, char** argv) {
  svkit::set_prog("svscan");
  std::string dir = svscan::parse_args(argc, argv);
  if (::access(dir.c_str(), R_OK | X_OK) != 0)
    svkit::die_sys(svkit::kExitTemporary, {"unable to open ", dir});
  svscan::prepare_process();
  svscan::Launcher launcher(svscan::find_supervise(argv[0]), dir);
  svscan::Scanner scanner(dir, launcher);
  svkit::SignalFd signals{SIGCHLD, SIGTERM, SIGHUP, SIGALRM};
  svscan::Watch watch;
  watch.open(dir);
  auto retry_at = Clock::time_point::max();  // a failed scan is tried again then
  if (!scanner.full_scan()) retry_at = Clock::now() + kRetryScan;
  auto rescan_at = Clock::now() + kRescan;
  bool trim = true;  // something happened since the last trim

  for (;;) {
    try {
      auto now = Clock::now();
      auto next = std::min(scanner.start_due(now), scanner.vanish_due());
      if (!watch.on()) next = std::min(next, rescan_at);
      next = std::min(next, retry_at);
      if (next == Clock::time_point::max() && std::exchange(trim, false)) release_free_memory();
      pollfd fds[2] = {{signals.fd(), POLLIN, 0}, {watch.fd(), POLLIN, 0}};
      if (::poll(fds, watch.on() ? 2 : 1, timeout_ms(next, now)) < 0 && errno != EINTR)
        svkit::warn_sys({"unable to poll"});
      bool rescan = Clock::now() >= retry_at;
      for (int s; (s = signals.next()) > 0;) {
        if (s == SIGTERM) _exit(0);  // supervise processes and services keep running
        if (s == SIGHUP) svscan::shut_down(scanner, signals, dir);
        if (s == SIGALRM) rescan = true;
      }
      scanner.reap();
      if (watch.on() && (fds[1].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)))
        rescan |= watch.take(scanner, dir);
      if (!watch.on() && Clock::now() >= rescan_at) {
        rescan = true;
        rescan_at = Clock::now() + kRescan;
      }
      if (rescan && !watch.on() && watch.possible()) watch.open(dir);
      if (rescan) retry_at = scanner.full_scan() ? Clock::time_point::max() : Clock::now() + kRetryScan;
      else if (Clock::now() >= scanner.vanish_due() && !(watch.on() && readable(watch.fd())))
        scanner.expire_vanished(Clock::now());  // no rename's second half is pending
      trim = true;
    } catch (const std::exception& e) {  // std::bad_alloc mostly: say so, keep going
      if (dynamic_cast<const std::bad_alloc*>(&e)) {
        errno = ENOMEM;
        svkit::warn_sys({"main loop"});
      } else {
        svkit::warn({"main loop: ", e.what()});
      }
      pause_after_failure();
      // The failed turn may have taken a directory event without acting on it: scan
      // the whole directory again soon (the event will not come twice).
      retry_at = Clock::now() + kRetryScan;
    }
  }
}
