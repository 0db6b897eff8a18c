// SPDX-License-Identifier: MIT
// scanner: names -> (dev, ino) -> service; starting, throttling, stopping, reaping.
#include "scanner.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>

#include "svkit/diag.hpp"
#include "svkit/fifo.hpp"
#include "svkit/unique_fd.hpp"

namespace svscan {
namespace {

constexpr int64_t kThrottleMs = 1000;    // at most one start per second
constexpr int64_t kSpawnRetryMs = 5000;  // after a failed spawn
constexpr auto kForeignCheck = std::chrono::seconds(3);  // is the other supervise gone?
constexpr size_t kFdReserve = 64;        // fds kept free beside the log pipes
// inotify queues a rename's MOVED_FROM and MOVED_TO one after the other: a read can fall
// between them. A service that lost its name is kept this long for its new name to show.
constexpr int64_t kVanishGraceMs = 500;
constexpr uint32_t kNoName = UINT32_MAX; // a row whose last name just went away
constexpr uint32_t kNone = svkit::RowIndex::kNone;

int64_t to_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
Clock::time_point from_ms(int64_t ms) { return Clock::time_point(std::chrono::milliseconds(ms)); }

size_t hash_name(std::string_view name) { return std::hash<std::string_view>()(name); }
size_t hash_pid(pid_t pid) {
  return static_cast<size_t>((static_cast<uint64_t>(pid) * 0x9e3779b97f4a7c15ull) >> 32);
}

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

Scanner::~Scanner() {
  for (Row& row : rows_) {
    if (row.log_r >= 0) ::close(row.log_r);
    if (row.log_w >= 0) ::close(row.log_w);
  }
}

// ---- the table: rows and their three indexes ----

size_t Scanner::hash_row_name(uint32_t r) const { return hash_name(name_of(r)); }
size_t Scanner::hash_row_key(uint32_t r) const { return svkit::ServiceKeyHash()(key_of(r)); }
size_t Scanner::hash_row_pid(uint32_t r) const { return hash_pid(rows_[r].pid); }

uint32_t Scanner::find_name(const char* name) const {
  return by_name_.find(hash_name(name), [&](uint32_t r) { return strcmp(name_of(r), name) == 0; });
}
uint32_t Scanner::find_key(const Key& key) const {
  return by_key_.find(svkit::ServiceKeyHash()(key), [&](uint32_t r) { return key_of(r) == key; });
}
uint32_t Scanner::find_pid(pid_t pid) const {
  return by_pid_.find(hash_pid(pid), [&](uint32_t r) { return rows_[r].pid == pid; });
}

uint32_t Scanner::add_row(const std::string& name, const Key& key) {
  uint32_t r;
  if (!free_rows_.empty()) {
    r = free_rows_.back();
    free_rows_.pop_back();
  } else {
    r = static_cast<uint32_t>(rows_.size());
    rows_.emplace_back();
  }
  Row& row = rows_[r];
  row = Row{};
  row.state = kLive;
  row.ino = key.ino;
  auto dev = std::find(devs_.begin(), devs_.end(), key.dev);
  row.dev = static_cast<uint32_t>(dev - devs_.begin());
  if (dev == devs_.end()) devs_.push_back(key.dev);
  by_key_.insert(svkit::ServiceKeyHash()(key), r, [this](uint32_t x) { return hash_row_key(x); });
  set_row_name(r, name);
  return r;
}

// Names are appended to one string; when more than half of it is dead, it is rebuilt.
void Scanner::set_row_name(uint32_t r, const std::string& name) {
  if (dead_name_bytes_ > 4096 && dead_name_bytes_ * 2 > names_.size()) {
    std::string packed;
    packed.reserve(names_.size() - dead_name_bytes_ + name.size() + 1);
    for (Row& row : rows_) {
      if (row.state != kLive || row.name == kNoName) continue;
      const char* n = names_.data() + row.name;
      row.name = static_cast<uint32_t>(packed.size());
      packed.append(n, strlen(n) + 1);
    }
    names_.swap(packed);
    dead_name_bytes_ = 0;
  }
  rows_[r].name = static_cast<uint32_t>(names_.size());
  names_.append(name.c_str(), name.size() + 1);
  by_name_.insert(hash_name(name), r, [this](uint32_t x) { return hash_row_name(x); });
}

void Scanner::free_row(uint32_t r) {
  rows_[r] = Row{};
  free_rows_.push_back(r);
}

void Scanner::set_pid(uint32_t r, pid_t pid) {
  auto hash_of = [this](uint32_t x) { return hash_row_pid(x); };
  if (rows_[r].pid > 0) {
    by_pid_.erase(hash_pid(rows_[r].pid), r, hash_of);
    --children_;
  }
  rows_[r].pid = pid;
  if (pid > 0) {
    by_pid_.insert(hash_pid(pid), r, hash_of);
    ++children_;
  }
}

// ---- names ----

void Scanner::set_name(const std::string& name, const Key& key) {
  uint32_t r = find_name(name.c_str());
  if (r != kNone) {
    if (key_of(r) == key) {
      rows_[r].flags |= kSeen;
      return;
    }
    drop_name(name);  // the name leads to another directory now
  } else {
    for (Alias& a : aliases_) {
      if (a.name != name) continue;
      if (key_of(a.row) == key) {
        a.seen = true;
        return;
      }
      drop_name(name);
      break;
    }
  }
  r = find_key(key);
  if (r == kNone) {
    r = add_row(name, key);
    queue(r);
  } else if (rows_[r].name == kNoName) {  // lost its name earlier (a rename)
    set_row_name(r, name);
    --unnamed_;
    unvanish(r);
  } else {
    aliases_.push_back({name, r, true});
    return;
  }
  rows_[r].flags |= kSeen;
}

// NAME is no longer a service entry. A service that loses its last name is removed at the
// end of the batch (remove_unnamed), unless another name leads to it by then.
void Scanner::drop_name(const std::string& name) {
  uint32_t r = find_name(name.c_str());
  if (r == kNone) {
    for (size_t i = 0; i < aliases_.size(); ++i) {
      if (aliases_[i].name != name) continue;
      aliases_.erase(aliases_.begin() + static_cast<long>(i));
      return;
    }
    return;
  }
  by_name_.erase(hash_name(name), r, [this](uint32_t x) { return hash_row_name(x); });
  dead_name_bytes_ += name.size() + 1;
  rows_[r].name = kNoName;
  for (size_t i = 0; i < aliases_.size(); ++i) {  // an alias remains: use it from now on
    if (aliases_[i].row != r) continue;
    bool seen = aliases_[i].seen;
    std::string alias = std::move(aliases_[i].name);
    aliases_.erase(aliases_.begin() + static_cast<long>(i));
    set_row_name(r, alias);
    rows_[r].flags = static_cast<uint8_t>(seen ? rows_[r].flags | kSeen : rows_[r].flags & ~kSeen);
    return;
  }
  ++unnamed_;
}

void Scanner::remove_unnamed() {
  vanished_.clear();  // (remove() then finds nothing to erase there)
  if (unnamed_ == 0) return;
  for (uint32_t r = 0; r < rows_.size(); ++r)
    if (rows_[r].state == kLive && rows_[r].name == kNoName) remove(r);
  unnamed_ = 0;
}

// The rows left without a name by this batch wait for their grace time (vanished_).
void Scanner::keep_unnamed(Clock::time_point now) {
  if (unnamed_ == vanished_.size()) return;
  int64_t until = to_ms(now) + kVanishGraceMs;
  for (uint32_t r = 0; r < rows_.size(); ++r) {
    Row& row = rows_[r];
    if (row.state != kLive || row.name != kNoName || (row.flags & kVanished)) continue;
    row.flags |= kVanished;
    vanished_.push_back({r, until});
  }
}

void Scanner::unvanish(uint32_t r) {
  if (!(rows_[r].flags & kVanished)) return;
  rows_[r].flags &= static_cast<uint8_t>(~kVanished);
  for (size_t i = 0; i < vanished_.size(); ++i)
    if (vanished_[i].row == r) {
      vanished_.erase(vanished_.begin() + static_cast<long>(i));
      return;
    }
}

Clock::time_point Scanner::vanish_due() const {
  return vanished_.empty() ? Clock::time_point::max() : from_ms(vanished_.front().until);
}

void Scanner::expire_vanished(Clock::time_point now) {
  int64_t now_ms = to_ms(now);
  size_t n = 0;
  while (n < vanished_.size() && vanished_[n].until <= now_ms) ++n;
  if (n == 0) return;
  std::vector<uint32_t> due;
  for (size_t i = 0; i < n; ++i) due.push_back(vanished_[i].row);
  vanished_.erase(vanished_.begin(), vanished_.begin() + static_cast<long>(n));
  for (uint32_t r : due) {
    rows_[r].flags &= static_cast<uint8_t>(~kVanished);
    if (rows_[r].state != kLive || rows_[r].name != kNoName) continue;
    --unnamed_;
    remove(r);
  }
}

// The directory is gone: stop its supervise (which stops the service) and forget it.
// Closing our ends of the log pipe lets the logger see end-of-file once supervise is gone.
void Scanner::remove(uint32_t r) {
  Row& row = rows_[r];
  by_key_.erase(svkit::ServiceKeyHash()(key_of(r)), r, [this](uint32_t x) { return hash_row_key(x); });
  if (row.name != kNoName) {
    by_name_.erase(hash_row_name(r), r, [this](uint32_t x) { return hash_row_name(x); });
    dead_name_bytes_ += strlen(name_of(r)) + 1;
    row.name = kNoName;
  }
  aliases_.erase(std::remove_if(aliases_.begin(), aliases_.end(),
                                [r](const Alias& a) { return a.row == r; }),
                 aliases_.end());
  if (row.log_r >= 0) {
    ::close(row.log_r);
    ::close(row.log_w);
    row.log_r = row.log_w = -1;
    --pipes_;
  }
  if (row.flags & kQueued) --queued_;
  if (row.flags & kForeign) --foreign_;
  unvanish(r);
  row.flags = 0;
  if (row.pid > 0) {
    ::kill(row.pid, SIGTERM);
    row.state = kRemoved;  // the row stays (in by_pid_ only) until its supervise is reaped
  } else {
    free_row(r);
  }
}

// ---- scanning ----

bool Scanner::full_scan() {
  svkit::ScanResult result;
  if (!svkit::scan_services(dir_, result)) {
    svkit::warn_sys({"unable to read ", dir_});
    return false;  // keep everything as it is; the caller retries
  }
  for (Row& row : rows_) row.flags &= static_cast<uint8_t>(~kSeen);
  for (Alias& a : aliases_) a.seen = false;
  for (const auto& e : result.services) set_name(e.name, e.key);
  if (result.complete) {  // an entry we could not examine might still be a service: keep all
    std::vector<std::string> gone;
    for (uint32_t r = 0; r < rows_.size(); ++r)
      if (rows_[r].state == kLive && rows_[r].name != kNoName && !(rows_[r].flags & kSeen))
        gone.emplace_back(name_of(r));
    for (const Alias& a : aliases_)
      if (!a.seen) gone.push_back(a.name);
    for (const auto& n : gone) drop_name(n);
    remove_unnamed();  // every name was seen: a service without one is gone
  } else {
    keep_unnamed(Clock::now());
  }
  return true;
}

bool Scanner::apply(const svkit::DirEvents& events) {
  svkit::UniqueFd dfd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) {  // out of fds: these events are lost, only a full scan can tell
    svkit::warn_sys({"unable to open ", dir_});
    return false;
  }
  // A real directory was removed: its inode may come back as a new directory at once, so
  // the old service must go even if the name leads to the "same" (dev, ino) again.
  for (const auto& c : events.changes) {
    if (!c.dir_removed) continue;
    uint32_t r = find_name(c.name.c_str());
    for (const Alias& a : aliases_)
      if (r == kNone && a.name == c.name) r = a.row;
    if (r != kNone) remove(r);
  }
  // Present names first, then absent ones: a rename (moved-from + moved-to) keeps its service.
  std::vector<const std::string*> absent;
  for (const auto& c : events.changes) {
    Key key;
    switch (svkit::classify_entry(dfd.get(), c.name.c_str(), key)) {
      case svkit::EntryKind::service: set_name(c.name, key); break;
      case svkit::EntryKind::other: absent.push_back(&c.name); break;
      case svkit::EntryKind::error: svkit::warn_sys({"unable to stat ", dir_, "/", c.name}); break;
    }
  }
  for (const std::string* n : absent) drop_name(*n);
  keep_unnamed(Clock::now());
  return true;
}

// ---- starting ----

void Scanner::queue(uint32_t r) {
  if (rows_[r].flags & kQueued) return;
  rows_[r].flags |= kQueued;
  ++queued_;
}

void Scanner::open_log_pipe(Row& row, const char* name) {
  if (row.log_r >= 0) return;
  struct stat st;
  std::string log = dir_ + "/" + name + "/log";
  if (::stat(log.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
  svkit::Pipe p;
  if (!ensure_fd_room(2 * pipes_ + 2 + kFdReserve) || !svkit::make_pipe(p)) {
    svkit::warn_sys({"unable to create the log pipe for ", name, " (its supervise makes its own)"});
    return;
  }
  row.log_r = p.read.release();
  row.log_w = p.write.release();
  ++pipes_;
}

// False: not started, try again at next_start.
bool Scanner::try_start(uint32_t r, Clock::time_point now) {
  std::string name = name_of(r);
  if (svkit::probe_supervisor(dir_ + "/" + name) == svkit::Probe::yes) {
    rows_[r].flags |= kForeign;  // left by an earlier svscan: a second one would only fail on the lock
    if (foreign_++ == 0) foreign_check_ = now + kForeignCheck;
    return true;
  }
  Row& row = rows_[r];
  open_log_pipe(row, name.c_str());
  pid_t pid = launcher_.start(name.c_str(), row.log_r, row.log_w);
  if (pid < 0) {
    svkit::warn_sys({"unable to fork for ", name});
    row.next_start = to_ms(now) + kSpawnRetryMs;
    return false;
  }
  row.next_start = to_ms(now) + kThrottleMs;
  set_pid(r, pid);
  return true;
}

void Scanner::recheck_foreign(Clock::time_point now) {
  if (foreign_ == 0 || now < foreign_check_) return;
  for (uint32_t r = 0; r < rows_.size(); ++r) {
    if (rows_[r].state != kLive || !(rows_[r].flags & kForeign)) continue;
    if (rows_[r].name == kNoName) continue;
    if (svkit::probe_supervisor(dir_ + "/" + name_of(r)) == svkit::Probe::yes) continue;
    rows_[r].flags &= static_cast<uint8_t>(~kForeign);  // gone: take over
    --foreign_;
    queue(r);
  }
  foreign_check_ = now + kForeignCheck;
}

Clock::time_point Scanner::start_due(Clock::time_point now) {
  if (stopping_) return Clock::time_point::max();
  recheck_foreign(now);
  auto next = Clock::time_point::max();
  int64_t now_ms = to_ms(now);
  for (uint32_t r = 0; queued_ > 0 && r < rows_.size(); ++r) {
    Row& row = rows_[r];
    if (row.state != kLive || !(row.flags & kQueued)) continue;
    if (row.name == kNoName) continue;  // vanished: started again only under a new name
    if (row.pid == 0 && !(row.flags & kForeign) &&
        (now_ms < row.next_start || !try_start(r, now))) {
      next = std::min(next, from_ms(rows_[r].next_start));
      continue;
    }
    rows_[r].flags &= static_cast<uint8_t>(~kQueued);
    if (--queued_ == 0) break;
  }
  if (foreign_ > 0) next = std::min(next, foreign_check_);
  return next;
}

// ---- children ----

size_t Scanner::reap() {
  size_t ours = 0;
  for (;;) {
    int status;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return ours;  // 0: none left to collect; ECHILD: no children at all
    uint32_t r = find_pid(pid);
    if (r == kNone) continue;  // an orphan we adopted as subreaper / PID 1
    ++ours;
    set_pid(r, 0);
    if (rows_[r].state == kRemoved) {
      free_row(r);
      continue;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) >= svkit::kExitExecFailed) {  // no exec
      svkit::warn({"unable to start ", launcher_.path(), " ", name_of(r), ": ",
                   WEXITSTATUS(status) == svkit::kExitNotFound ? svkit::error_str(ENOENT)
                                                               : "exec failed"});
      rows_[r].next_start = to_ms(Clock::now()) + kSpawnRetryMs;
    }
    if (!stopping_) queue(r);  // restart, throttled by next_start
  }
}

std::vector<Child> Scanner::stop_starting() {
  stopping_ = true;
  std::vector<Child> out;
  for (uint32_t r = 0; r < rows_.size(); ++r) {
    Row& row = rows_[r];
    row.flags &= static_cast<uint8_t>(~kQueued);
    bool named = row.state == kLive && row.name != kNoName;
    if (row.pid > 0) out.push_back({row.pid, named ? name_of(r) : ""});
  }
  queued_ = 0;
  return out;
}

bool Scanner::running(pid_t pid) const { return find_pid(pid) != kNone; }

}  // namespace svscan
