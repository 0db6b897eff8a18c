// SPDX-License-Identifier: MIT
// deps: dependencies.d in supervise. Before each start of ./run every dependency must be
// up and, when it has readiness, ready (its supervise/svkit-status says "phase up").
// Waiting is event-driven: inotify watches each unmet dependency's supervise/ directory
// (or, while that is missing, the directory that should hold it) and dependencies.d;
// every event re-evaluates. A POSIX-only build has no inotify: while waiting, supervise
// re-evaluates every kDepsPollMs instead (deps_deadline). Nothing here runs or allocates
// for a service without dependencies.d.
#include "service.hpp"
#include "svkit/platform.hpp"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#if SVKIT_LINUX
#include <sys/inotify.h>
#endif

#include <algorithm>
#include <string>
#include <vector>

#include "svkit/dependencies.hpp"
#include "svkit/diag.hpp"
#include "svkit/status_file.hpp"

namespace supervise {

// The inotify fd lives as long as the service has dependencies.d: closing one that had
// watches waits for an RCU grace period (milliseconds), so watches are removed instead
// (asynchronous in the kernel) once nothing is waited for.
struct Deps {
  svkit::UniqueFd inotify;
  std::vector<int> watches;
  std::string waiting_for;  // names, single spaces
  std::string reason;
  std::string warned;       // the last dependencies.d error warned about
};

namespace {

#if SVKIT_LINUX
constexpr uint32_t kDirEvents = IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM |
                                IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB;
// In a dependency's supervise/ only the renames into place matter (status, svkit-status),
// not the creation of each .new file: a third of the wake-ups.
constexpr uint32_t kSuperviseEvents = IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;
#else
constexpr uint32_t kDirEvents = 0, kSuperviseEvents = 0;
#endif

// Up, and ready where it has readiness: status says run, and svkit-status (when the
// dependency's supervisor writes one) says phase up.
bool dependency_up(const std::string& dir) {
  auto st = svkit::read_status(dir);
  if (!st || st->state != svkit::RunState::run || st->pid == 0) return false;
  int fd = ::open((dir + "/supervise/svkit-status").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;  // runsv's supervise/: running is all we can know
  char buf[16];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  return n >= 9 && memcmp(buf, "phase up\n", 9) == 0;
}

bool add_watch(Deps& d, const std::string& path, uint32_t events = kDirEvents) {
#if SVKIT_LINUX
  int wd = ::inotify_add_watch(d.inotify.get(), path.c_str(), events);
#else
  (void)path;
  (void)events;
  int wd = -1;  // unreachable: d.inotify stays closed without inotify
#endif
  if (wd < 0) return false;
  if (std::find(d.watches.begin(), d.watches.end(), wd) == d.watches.end()) d.watches.push_back(wd);
  return true;
}

// Watches DIR/supervise, else DIR, else DIR's parent: whatever exists, to see it change.
void watch(Deps& d, const std::string& dir) {
  if (add_watch(d, dir + "/supervise", kSuperviseEvents) || add_watch(d, dir)) return;
  size_t slash = dir.find_last_of('/');
  add_watch(d, slash == std::string::npos ? "." : slash == 0 ? "/" : dir.substr(0, slash));
}

void unwatch(Deps& d) {
#if SVKIT_LINUX
  for (int wd : d.watches) ::inotify_rm_watch(d.inotify.get(), wd);
#endif
  d.watches.clear();
}

}  // namespace

bool dependencies_met(Context& c, Service& s) {
  if (!s.policy.dependencies) {
    delete s.deps;
    s.deps = nullptr;
    if (s.sv.waiting) apply(c, s, svkit::on_waiting(s.sv, false));
    return true;
  }
  if (!s.deps) s.deps = new Deps;
  Deps& d = *s.deps;
  std::string scan = c.scan_dir ? c.scan_dir : "..";
  d.waiting_for.clear();
  d.reason.clear();
#if SVKIT_LINUX
  if (!d.inotify) d.inotify.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
#endif
  if (d.inotify) add_watch(d, "dependencies.d");
  auto list = svkit::read_dependencies(".", scan);
  // An entry that is neither a file nor a symlink (or that cannot be read) is malformed:
  // one warning, and it counts as absent (the other entries still count).
  if (!list.error.empty() && list.error != d.warned) svkit::warn({list.error, ": ignored"});
  d.warned = list.error;
  for (const auto& dep : list.deps) {
    if (dependency_up(dep.path)) continue;
    if (!d.waiting_for.empty()) d.waiting_for += ' ';
    d.waiting_for += dep.name;
    if (d.inotify) watch(d, dep.path);
  }
  if (d.waiting_for.empty()) {
    if (d.inotify) unwatch(d);
    if (s.sv.waiting) apply(c, s, svkit::on_waiting(s.sv, false));
    return true;
  }
  // Entering the wait: a cycle would make it endless, so it fails instead. (Checked only
  // then: find_cycle walks the whole dependency graph, and every event re-evaluates.)
  if (!s.sv.waiting) {
    auto cycle = svkit::find_cycle(".", scan);
    if (!cycle.empty()) {
      d.reason = "dependency cycle:";
      for (const auto& name : cycle) d.reason += " " + name + " ->";
      d.reason += " " + cycle.front();
      if (d.inotify) unwatch(d);
      apply(c, s, svkit::on_failed(s.sv));
      return false;
    }
  }
  d.reason = "waiting for " + d.waiting_for;
  if (!s.sv.waiting) apply(c, s, svkit::on_waiting(s.sv, true));
  return false;
}

int deps_fd(const Service& s) { return s.deps ? s.deps->inotify.get() : -1; }

int64_t deps_deadline(const Service& s, int64_t now) {
  // Without inotify (POSIX-only build, or inotify_init1 failed) a waiting service looks
  // again every kDepsPollMs; every wake-up of the loop re-evaluates in any case.
  constexpr int64_t kDepsPollMs = 100;
  return s.deps && !s.deps->inotify && s.sv.waiting ? now + kDepsPollMs : -1;
}

void deps_idle(Service& s) {
  if (s.deps && s.deps->inotify) unwatch(*s.deps);
}

void deps_event(Service& s) {
  char buf[4096] __attribute__((aligned(8)));
  while (s.deps && ::read(s.deps->inotify.get(), buf, sizeof buf) > 0) {
  }
}

const char* deps_waiting_for(const Service& s) {
  return s.deps && s.sv.waiting ? s.deps->waiting_for.c_str() : "";
}

const char* deps_reason(const Service& s) {
  return s.deps && !s.deps->reason.empty() && (s.sv.waiting || s.sv.failed)
             ? s.deps->reason.c_str()
             : nullptr;
}

}  // namespace supervise
