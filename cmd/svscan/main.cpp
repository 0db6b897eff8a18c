// SPDX-License-Identifier: MIT
// svscan [-P] [dir [log]] (built into the supervise executable, run by the name svscan): one supervise per service directory of DIR (default
// SVKIT_SERVICE_DIR), restarted when it exits, stopped when its directory goes away.
// Event-driven (inotify/kqueue; a 5 s rescan only where neither exists). Signals: ALRM
// rescans, TERM exits 0 leaving everything running, HUP stops every supervise, exits 111.
#include <errno.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <exception>

#include "launcher.hpp"
#include "scanner.hpp"
#include "setup.hpp"
#include "svkit/diag.hpp"
#include "svkit/dir_watch.hpp"
#include "svkit/footprint.hpp"
#include "svkit/signal_fd.hpp"

using svscan::Clock;

namespace {

constexpr auto kRescan = std::chrono::seconds(5);        // only without a watcher
constexpr auto kStopWait = std::chrono::seconds(60);     // SIGHUP: wait for supervise

int timeout_ms(Clock::time_point next, Clock::time_point now) {
  if (next == Clock::time_point::max()) return -1;  // idle: block without a timeout
  if (next <= now) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::min<long long>(ms, INT_MAX));
}

// SIGHUP: TERM to every supervise (each stops its service and exits), wait, exit 111.
[[noreturn]] void shut_down(svscan::Scanner& scanner, svkit::SignalFd& sig) {
  scanner.stop_all();
  auto deadline = Clock::now() + kStopWait;
  while (scanner.children() > 0 && Clock::now() < deadline) {
    pollfd p = {sig.fd(), POLLIN, 0};
    ::poll(&p, 1, timeout_ms(deadline, Clock::now()));
    while (sig.next() > 0) {
    }
    scanner.reap();
  }
  _exit(svkit::kExitTemporary);
}

// Work leaves free heap behind: give it back (glibc keeps it); and unmap the code pages
// it faulted in (svscan is alone in mapping its binary). Run only when going idle.
void release_free_memory() {
#ifdef __GLIBC__
  ::malloc_trim(0);
#endif
  svkit::trim_footprint();
}

struct Watch {
  svkit::DirWatch w;
  bool on = false;
  bool possible = true;  // false where no watcher exists at all (ENOSYS)
  void open(const std::string& dir) {
    on = w.open(dir);
    if (on || !possible) return;
    if (errno == ENOSYS) possible = false;
    else svkit::warn_sys({"unable to watch ", dir, " (rescanning every 5 seconds)"});
  }
  // Hands named changes to the scanner; true when everything must be rescanned (the
  // watch is then closed when DIR itself went away, and reopened by the caller).
  bool take(svscan::Scanner& scanner, const std::string& dir) {
    svkit::DirEvents ev;
    if (!w.read(ev)) {
      svkit::warn_sys({"unable to read events for ", dir});
      ev.reopen = true;
    }
    if (ev.reopen) {
      w.close();
      on = false;
    }
    if (ev.reopen || ev.rescan) return true;
    scanner.apply(ev);
    return false;
  }
};

}  // namespace

// Reached through supervise's main(), which dispatches on argv[0] (one executable).
int svscan_main(int argc, char** argv) {
  svkit::set_prog("svscan");
  std::string dir = svscan::parse_args(argc, argv);
  if (::access(dir.c_str(), R_OK | X_OK) != 0) svkit::die_sys(svkit::kExitTemporary, {"unable to open ", dir});
  svscan::prepare_process();
  svscan::Launcher launcher(svscan::find_supervise(argv[0]), dir);
  svscan::Scanner scanner(dir, launcher);
  svkit::SignalFd sig{SIGCHLD, SIGTERM, SIGHUP, SIGALRM};
  Watch watch;
  watch.open(dir);
  scanner.full_scan();
  auto rescan_at = Clock::now() + kRescan;
  bool trim = true;  // something happened since the last trim

  for (;;) {
    try {
      auto now = Clock::now();
      auto next = scanner.start_due(now);
      if (!watch.on) next = std::min(next, rescan_at);
      // About to block with nothing scheduled: shed what the burst of work left mapped.
      if (next == Clock::time_point::max() && std::exchange(trim, false)) release_free_memory();
      pollfd fds[2] = {{sig.fd(), POLLIN, 0}, {watch.w.fd(), POLLIN, 0}};
      if (::poll(fds, watch.on ? 2 : 1, timeout_ms(next, now)) < 0 && errno != EINTR)
        svkit::warn_sys({"unable to poll"});
      bool rescan = false;
      for (int s; (s = sig.next()) > 0;) {
        if (s == SIGTERM) _exit(0);  // supervise processes and services keep running
        if (s == SIGHUP) shut_down(scanner, sig);
        if (s == SIGALRM) rescan = true;
      }
      scanner.reap();
      if (watch.on && (fds[1].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)))
        rescan |= watch.take(scanner, dir);
      if (!watch.on && Clock::now() >= rescan_at) {
        rescan = true;
        rescan_at = Clock::now() + kRescan;
      }
      if (rescan && !watch.on && watch.possible) watch.open(dir);
      if (rescan) scanner.full_scan();
      trim = true;
    } catch (const std::exception&) {  // std::bad_alloc: say so, keep going
      errno = ENOMEM;
      svkit::warn_sys({"main loop"});
    }
  }
}
