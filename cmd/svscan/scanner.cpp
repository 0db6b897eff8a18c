// SPDX-License-Identifier: MIT
// scanner: names -> (dev, ino) -> service; starting, throttling, stopping, reaping.
#include "scanner.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <unordered_set>

#include "svkit/diag.hpp"
#include "svkit/fifo.hpp"

namespace svscan {
namespace {

constexpr auto kThrottle = std::chrono::seconds(1);       // at most one start per second
constexpr auto kSpawnRetry = std::chrono::seconds(5);     // after a failed spawn
constexpr auto kForeignCheck = std::chrono::seconds(3);   // is the other supervise gone?
constexpr size_t kFdReserve = 64;  // fds kept free beside the log pipes

// Each logged service holds two fds: raise the soft limit on demand (not to the hard
// limit at once, which every service would then inherit). False when NEEDED fds cannot be
// had: then no pipe, rather than no fd left for probes and for the children's fd moves.
bool ensure_fd_room(size_t needed) {
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return true;  // let make_pipe() tell
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= needed) return true;
  rlim_t want = std::max<rlim_t>(needed, rl.rlim_cur * 2);
  if (rl.rlim_max != RLIM_INFINITY) want = std::min(want, rl.rlim_max);
  rl.rlim_cur = want;
  if (want < needed || ::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    errno = EMFILE;
    return false;
  }
  return true;
}

}  // namespace

void Scanner::set_name(const std::string& name, const Key& key) {
  auto [it, added] = names_.try_emplace(name, key);
  if (!added) {
    if (it->second == key) return;
    Key old = it->second;
    it->second = key;
    auto o = services_.find(old);
    if (o != services_.end() && --o->second.names == 0) unnamed_.push_back(old);
  }
  auto [s, fresh] = services_.try_emplace(key);
  if (++s->second.names == 1 || s->second.name.empty()) s->second.name = name;
  if (fresh) queue(key, s->second);
}

void Scanner::drop_name(const std::string& name) {
  auto it = names_.find(name);
  if (it == names_.end()) return;
  Key key = it->second;
  names_.erase(it);
  auto s = services_.find(key);
  if (s == services_.end()) return;
  if (--s->second.names == 0) {
    unnamed_.push_back(key);
  } else if (s->second.name == name) {  // an alias remains: use it from now on (rare)
    for (auto& [n, k] : names_)
      if (k == key) s->second.name = n;
  }
}

void Scanner::remove_unnamed() {
  for (const Key& key : unnamed_) {
    auto s = services_.find(key);
    if (s != services_.end() && s->second.names <= 0) remove(key);
  }
  unnamed_.clear();
}

// The directory is gone: stop its supervise (which stops the service) and forget it.
// Closing our ends of the log pipe lets the logger see end-of-file once supervise is gone.
void Scanner::remove(const Key& key) {
  auto s = services_.find(key);
  if (s == services_.end()) return;
  if (s->second.pid > 0) ::kill(s->second.pid, SIGTERM);  // children_ keeps it until reaped
  if (s->second.log.read) --pipes_;
  services_.erase(s);
}

void Scanner::full_scan() {
  svkit::ScanResult r;
  if (!svkit::scan_services(dir_, r)) {
    svkit::warn_sys({"unable to read ", dir_});
    return;  // keep everything as it is; a later event or SIGALRM retries
  }
  std::unordered_set<std::string> seen;
  seen.reserve(r.services.size());
  for (const auto& e : r.services) {
    set_name(e.name, e.key);
    seen.insert(e.name);
  }
  if (r.complete) {  // an entry we could not examine might still be a service: keep all
    std::vector<std::string> gone;
    for (const auto& [n, k] : names_)
      if (!seen.count(n)) gone.push_back(n);
    for (const auto& n : gone) drop_name(n);
  }
  remove_unnamed();
}

void Scanner::apply(const svkit::DirEvents& events) {
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    svkit::warn_sys({"unable to open ", dir_});
    return;
  }
  // A real directory was removed: its inode may come back as a new directory at once, so
  // the old service must go even if the name leads to the "same" (dev, ino) again.
  for (const auto& c : events.changes) {
    if (!c.dir_removed) continue;
    auto it = names_.find(c.name);
    if (it == names_.end()) continue;
    Key key = it->second;
    for (auto n = names_.begin(); n != names_.end();)
      n = n->second == key ? names_.erase(n) : std::next(n);
    remove(key);
  }
  // Present names first, then absent ones: a rename (moved-from + moved-to) keeps its service.
  std::vector<const std::string*> absent;
  for (const auto& c : events.changes) {
    Key key;
    switch (svkit::classify_entry(dfd, c.name.c_str(), key)) {
      case svkit::EntryKind::service: set_name(c.name, key); break;
      case svkit::EntryKind::other: absent.push_back(&c.name); break;
      case svkit::EntryKind::error: svkit::warn_sys({"unable to stat ", dir_, "/", c.name}); break;
    }
  }
  for (const std::string* n : absent) drop_name(*n);
  ::close(dfd);
  remove_unnamed();
}

void Scanner::queue(const Key& key, Service& s) {
  if (s.queued) return;
  s.queued = true;
  pending_.push_back(key);
}

void Scanner::open_log_pipe(Service& s) {
  if (s.log.read) return;
  struct stat st;
  std::string log = dir_ + "/" + s.name + "/log";
  if (::stat(log.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
  if (!ensure_fd_room(2 * pipes_ + 2 + kFdReserve) || !svkit::make_pipe(s.log)) {
    svkit::warn_sys({"unable to create the log pipe for ", s.name,
                     " (its supervise makes its own)"});
    return;
  }
  ++pipes_;
}

// False: not started, try again at s.next_start.
bool Scanner::try_start(const Key& key, Service& s, Clock::time_point now) {
  if (svkit::probe_supervisor(dir_ + "/" + s.name) == svkit::Probe::yes) {
    s.foreign = true;  // left by an earlier svscan: a second one would only fail on the lock
    if (foreign_.empty()) foreign_check_ = now + kForeignCheck;
    foreign_.push_back(key);
    return true;
  }
  open_log_pipe(s);
  pid_t pid = launcher_.start(s.name, s.log.read.get(), s.log.write.get());
  if (pid < 0) {
    svkit::warn_sys({"unable to fork for ", s.name});
    s.next_start = now + kSpawnRetry;
    return false;
  }
  s.pid = pid;
  s.next_start = now + kThrottle;
  children_[pid] = key;
  return true;
}

void Scanner::recheck_foreign(Clock::time_point now) {
  if (foreign_.empty() || now < foreign_check_) return;
  std::vector<Key> still;
  for (const Key& key : foreign_) {
    auto s = services_.find(key);
    if (s == services_.end() || !s->second.foreign) continue;
    if (svkit::probe_supervisor(dir_ + "/" + s->second.name) == svkit::Probe::yes) {
      still.push_back(key);
    } else {
      s->second.foreign = false;  // gone: take over
      queue(key, s->second);
    }
  }
  foreign_.swap(still);
  foreign_check_ = now + kForeignCheck;
}

Clock::time_point Scanner::start_due(Clock::time_point now) {
  recheck_foreign(now);
  auto next = Clock::time_point::max();
  std::vector<Key> later;
  for (const Key& key : pending_) {
    auto it = services_.find(key);
    if (it == services_.end() || !it->second.queued) continue;
    Service& s = it->second;
    if (s.pid == 0 && !s.foreign && (now < s.next_start || !try_start(key, s, now))) {
      later.push_back(key);
      next = std::min(next, s.next_start);
      continue;
    }
    s.queued = false;
  }
  pending_.swap(later);
  if (!foreign_.empty()) next = std::min(next, foreign_check_);
  return next;
}

void Scanner::reap() {
  for (;;) {
    int status;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;  // 0: none left to collect; ECHILD: no children at all
    auto c = children_.find(pid);
    if (c == children_.end()) continue;  // an orphan we adopted as subreaper / PID 1
    Key key = c->second;
    children_.erase(c);
    auto s = services_.find(key);
    if (s == services_.end() || s->second.pid != pid) continue;  // a removed service
    s->second.pid = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) >= svkit::kExitExecFailed) {  // no exec
      svkit::warn({"unable to start ", launcher_.path(), " ", s->second.name, ": ",
                   WEXITSTATUS(status) == svkit::kExitNotFound ? svkit::error_str(ENOENT) : "exec failed"});
      s->second.next_start = Clock::now() + kSpawnRetry;
    }
    queue(key, s->second);  // restart, throttled by next_start
  }
}

size_t Scanner::stop_all() {
  for (const auto& [pid, key] : children_) ::kill(pid, SIGTERM);
  pending_.clear();
  for (auto& [key, s] : services_) s.queued = false;
  return children_.size();
}

}  // namespace svscan
