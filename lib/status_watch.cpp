// SPDX-License-Identifier: MIT
// status_watch: inotify where available (Linux), short polling elsewhere.
#include "svkit/status_watch.hpp"
#include "svkit/platform.hpp"

#include <errno.h>
#include <poll.h>
#include <string.h>

#if SVKIT_LINUX
#include <sys/inotify.h>
#endif

namespace svkit {
namespace {
using namespace std::chrono_literals;
constexpr auto kPollStep = 20ms;     // no inotify: re-read this often
constexpr auto kSoftStep = 2ms;      // after a hint that the state may follow shortly
constexpr auto kSoftWindow = 200ms;
constexpr auto kSafety = 1000ms;     // re-read at least this often, whatever happens
constexpr auto kFastWindow = 50ms;   // poll (growing steps up to kFastStep) before inotify
constexpr std::chrono::microseconds kFastStep{500};

#if SVKIT_LINUX
// Events that other processes cause. Our own probes open supervise/ok for writing and read
// supervise/status, so IN_CLOSE_WRITE on ok and IN_CLOSE_NOWRITE on status are not wanted.
constexpr uint32_t kSuperviseMask = IN_MOVED_TO | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_CREATE |
                                    IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr uint32_t kDirMask = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;
#endif
}  // namespace

void StatusWatch::add(const std::string& service_dir) {
  entries_.push_back(Entry{service_dir});
  arm(entries_.back());
}

void StatusWatch::arm(Entry& e) {
#if SVKIT_LINUX
  if (!fd_ || e.wd_supervise >= 0) return;
  std::string sup = e.dir + "/supervise";
  e.wd_supervise = ::inotify_add_watch(fd_.get(), sup.c_str(), kSuperviseMask);
  if (e.wd_supervise < 0 && e.wd_dir < 0)
    e.wd_dir = ::inotify_add_watch(fd_.get(), e.dir.c_str(), kDirMask);
#else
  (void)e;
#endif
}

bool StatusWatch::drain() {
  bool status = false;
#if SVKIT_LINUX
  alignas(struct inotify_event) char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      p += sizeof *ev + ev->len;
      const char* name = ev->len ? ev->name : "";
      // svkit-status (readiness, phase) is replaced like status, right after it.
      bool is_status = strcmp(name, "status") == 0 || strcmp(name, "svkit-status") == 0;
      if (ev->mask & IN_Q_OVERFLOW) {
        status = true;
      } else if (is_status && (ev->mask & (IN_MOVED_TO | IN_CLOSE_WRITE))) {
        status = true;
      } else if (is_status || strcmp(name, "status.new") == 0 || strcmp(name, "stat.new") == 0 ||
                 strcmp(name, "svkit-status.new") == 0 ||
                 strcmp(name, "pid.new") == 0 || strcmp(name, "stat") == 0 ||
                 strcmp(name, "pid") == 0) {
        // the supervisor's own bookkeeping, or our reads: nothing to act on
      } else if (strcmp(name, "ok") == 0 && (ev->mask & IN_CLOSE_WRITE)) {
        // a client probing (maybe us)
      } else if (strcmp(name, "control") == 0 && (ev->mask & IN_CLOSE_WRITE)) {
        // a client's command (maybe ours); the status change will follow
      } else if (ev->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_CREATE | IN_MOVED_TO |
                             IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
        soft_until_ = Clock::now() + kSoftWindow;  // supervisor exited, FIFOs appeared, ...
      }
      if (ev->mask & IN_IGNORED) {
        for (auto& e : entries_)
          if (e.wd_supervise == ev->wd) e.wd_supervise = -1;
      }
    }
  }
  for (auto& e : entries_) arm(e);  // supervise/ may have appeared
#endif
  return status;
}

bool StatusWatch::fast_poll(Clock::time_point deadline) {
  auto until = std::min(deadline, Clock::now() + step_);
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(until - Clock::now());
  if (left.count() > 0) {
    struct timespec ts = {0, static_cast<long>(left.count()) * 1000};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
  step_ = std::min<std::chrono::microseconds>(step_ * 2, kFastStep);
  return Clock::now() < deadline;  // a hint: the caller re-reads the status
}

bool StatusWatch::wait(Clock::time_point deadline) {
  auto now = Clock::now();
  if (now >= deadline) return false;
  if (first_wait_ == Clock::time_point{}) first_wait_ = now;
  if (!tried_inotify_) {
    if (now - first_wait_ < kFastWindow) return fast_poll(deadline);
    tried_inotify_ = true;
#if SVKIT_LINUX
    fd_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    for (auto& e : entries_) arm(e);
#endif
    return true;  // a change between the last read and the watch would be missed: re-read
  }
  auto until = deadline;
  auto cap = fd_ ? kSafety : kPollStep;
  if (now < soft_until_) cap = kSoftStep;
  if (until - now > cap) until = now + cap;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    int ms = left.count() < 0 ? 0 : static_cast<int>(left.count()) + 1;
    if (!fd_) {
      ::poll(nullptr, 0, ms);
      return Clock::now() < deadline;
    }
    struct pollfd p = {fd_.get(), POLLIN, 0};
    int r = ::poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    if (r > 0) {
      bool soft_before = Clock::now() < soft_until_;
      if (drain() || (!soft_before && Clock::now() < soft_until_)) return true;
      if (Clock::now() < until) continue;  // only our own traffic: keep sleeping
    }
    return Clock::now() < deadline;
  }
}

}  // namespace svkit
