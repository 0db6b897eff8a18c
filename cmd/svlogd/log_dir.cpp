// SPDX-License-Identifier: MIT
// log_dir: opening, writing and rotating one log directory.
#include "log_dir.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "svkit/diag.hpp"
#include "svkit/read_file.hpp"
#include "svkit/tai64n.hpp"

namespace svlogd {
namespace {

constexpr size_t kBufSize = 128 * 1024;

void info(const Settings& s, svkit::Parts parts) {
  if (!s.verbose) return;
  std::string line = "info: ";
  for (auto p : parts) line.append(p);
  svkit::say({line});
}

bool is_old_name(const char* n) { return n[0] == '@' && strlen(n) == kOldNameLength; }

}  // namespace

void sleep_for(Clock::duration d) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  if (ns <= 0) return;
  struct timespec ts = {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

template <class Op>
void LogDir::retry_pausing(const char* what, Op&& op) {
  retry(std::forward<Op>(op), [&] {
    svkit::say({"pausing: ", what, ": ", name_, ": ", svkit::error_str(errno)});
  });
}

LogDir::LogDir(std::string name, const Settings& s)
    : name_(std::move(name)), set_(s), buf_(new char[kBufSize]) {}

LogDir::~LogDir() { close(); }

bool LogDir::open() {
  dir_.reset(::open(name_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!dir_) {
    svkit::warn_sys({"unable to open log directory: ", name_});
    return false;
  }
  struct stat st;
  bool stat_ok = ::fstat(dir_.get(), &st) == 0;
  if (!stat_ok || !S_ISDIR(st.st_mode)) {
    if (stat_ok) errno = ENOTDIR;
    dir_.reset();
    svkit::warn_sys({"unable to change directory: ", name_});
    return false;
  }
  lock_.reset(::openat(dir_.get(), "lock", O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!lock_ || ::flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    lock_.reset();
    dir_.reset();
    errno = e;
    svkit::warn_sys({"unable to lock directory: ", name_});
    return false;
  }
  cfg_ = svkit::LogConfig{};
  svkit::UniqueFd cf(::openat(dir_.get(), "config", O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  std::string text;
  if ((!cf && errno != ENOENT) || (cf && !svkit::read_all(cf.get(), text))) {
    svkit::warn_sys({"unable to read config: ", name_});
  } else if (cf) {
    info(set_, {"read: ", name_, "/config"});
    std::vector<svkit::ConfigWarning> warnings;
    cfg_ = svkit::parse_log_config(text, &warnings);
    for (auto& w : warnings) svkit::warn({w.what, ": ", w.arg});
  }
  if (!open_current()) return false;
  if (cfg_.udp_port) udp_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (cfg_.rotate_secs) rotate_at_ = Clock::now() + std::chrono::seconds(cfg_.rotate_secs);
  return true;
}

bool LogDir::open_current() {
  struct stat st;
  size_ = 0;
  used_ = 0;
  if (::fstatat(dir_.get(), "current", &st, 0) == 0) {
    if (st.st_size > 0 && !(st.st_mode & S_IXUSR)) {  // not closed cleanly: keep it aside
      saved_ = new_old_name('u');
      retry_pausing("unable to rename current", [&] {
        return ::renameat(dir_.get(), "current", dir_.get(), saved_.c_str()) == 0;
      });
      remove_oldest();
    } else {
      size_ = static_cast<unsigned long>(st.st_size);
    }
  } else if (errno != ENOENT) {
    svkit::warn_sys({"unable to stat current: ", name_});
    lock_.reset();
    dir_.reset();
    return false;
  }
  retry_pausing("unable to open current", [&] {
    cur_.reset(::openat(dir_.get(), "current", O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    return static_cast<bool>(cur_);
  });
  retry_pausing("unable to set mode of current", [&] { return ::fchmod(cur_.get(), 0644) == 0; });
  info(set_, {size_ ? "append: " : "new: ", name_, "/current"});
  return true;
}

void LogDir::close() {
  if (!is_open()) return;
  wait_processor();
  info(set_, {"close: ", name_});
  flush();
  finish_current();
  cur_.reset();
  lock_.reset();
  udp_.reset();
  dir_.reset();
}

void LogDir::put(const char* p, size_t n) {
  const unsigned long max = cfg_.size_max;
  while (n > 0) {
    if (max && size_ >= max) rotate();
    size_t k = n;
    if (max && k > max - size_) k = max - size_;
    append(p, k);
    size_ += k;
    p += k;
    n -= k;
  }
}

void LogDir::line_done() {
  const unsigned long max = cfg_.size_max;
  if (max && set_.line_max <= max && size_ >= max - set_.line_max) rotate();
}

void LogDir::put_line(std::string_view stamp, std::string_view text) {
  const std::string& pre = cfg_.prefix;
  size_t total = stamp.size() + pre.size() + text.size() + 1;
  const unsigned long max = cfg_.size_max;
  if ((max == 0 || size_ + total <= max) && used_ + total <= kBufSize) {  // the fast path
    char* o = buf_.get() + used_;
    if (!stamp.empty()) memcpy(o, stamp.data(), stamp.size());  // no -t: data() is null
    o += stamp.size();
    memcpy(o, pre.data(), pre.size());
    o += pre.size();
    memcpy(o, text.data(), text.size());
    o[text.size()] = '\n';
    used_ += total;
    size_ += total;
  } else {
    put(stamp.data(), stamp.size());
    put(pre.data(), pre.size());
    put(text.data(), text.size());
    put("\n", 1);
  }
  line_done();
}

void LogDir::append(const char* p, size_t n) {
  if (used_ + n > kBufSize) flush();
  if (n >= kBufSize) {
    write_out(p, n);
    return;
  }
  memcpy(buf_.get() + used_, p, n);
  used_ += n;
}

void LogDir::flush() {
  if (used_ == 0 || !cur_) return;
  write_out(buf_.get(), used_);
  used_ = 0;
}

// Never drops: a failed write is retried until it succeeds (input waits meanwhile).
void LogDir::write_out(const char* p, size_t n) {
  retry_pausing("unable to write to current", [&] {
    while (n > 0) {
      ssize_t w = ::write(cur_.get(), p, n);
      if (w > 0) {
        p += w;
        n -= static_cast<size_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == ENOSPC && cfg_.keep_min < cfg_.keep_max && free_space_by_deleting())
        continue;
      if (w == 0) errno = EIO;
      return false;
    }
    return true;
  });
}

// Before current is closed or renamed: fsync, then mode 0744 (runit's "complete" mark).
void LogDir::finish_current() {
  retry_pausing("unable to fsync current logfile",
                [&] { return ::fsync(cur_.get()) == 0 || errno == EINVAL; });
  retry_pausing("unable to set mode of current", [&] { return ::fchmod(cur_.get(), 0744) == 0; });
}

bool LogDir::scan_old(OldFiles& out, bool drop_leftovers, const std::string& spare) {
  DIR* d = ::fdopendir(::openat(dir_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d) return false;
  out = OldFiles{};
  while (auto* e = ::readdir(d)) {
    if (!is_old_name(e->d_name)) continue;
    if (drop_leftovers && e->d_name[kOldSuffixAt] == 't') {
      if (::unlinkat(dir_.get(), e->d_name, 0) != 0)
        svkit::warn_sys({"unable to unlink processor leftover: ", e->d_name});
      continue;
    }
    ++out.count;
    if ((out.oldest.empty() || strcmp(e->d_name, out.oldest.c_str()) < 0) && spare != e->d_name)
      out.oldest = e->d_name;
  }
  ::closedir(d);
  return true;
}

// Disk full: delete the oldest old file while more than N remain (runit's rule).
bool LogDir::free_space_by_deleting() {
  OldFiles old;
  if (!scan_old(old, false, "")) return false;
  errno = ENOSPC;
  if (old.count <= cfg_.keep_min || old.oldest.empty()) return false;
  const std::string& oldest = old.oldest;
  svkit::warn({"out of disk space, delete: ", name_, "/", oldest});
  if (::unlinkat(dir_.get(), oldest.c_str(), 0) != 0) {
    svkit::warn_sys({"unable to unlink oldest logfile: ", name_});
    errno = ENOSPC;
    return false;
  }
  return true;
}

std::string LogDir::new_old_name(char suffix) {
  for (;;) {
    std::string n = svkit::tai_format(svkit::tai_now()) + "." + suffix;
    struct stat st;
    if (::fstatat(dir_.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT) return n;
  }
}

// flush, fsync, chmod 0744, rename: a crash at any point leaves each line in one file.
void LogDir::rotate() {
  if (!is_open()) return;
  wait_processor();
  char suffix = cfg_.processor.empty() ? 's' : 'u';
  std::string old = new_old_name(suffix);
  auto now = Clock::now();  // as runit: t counts from the last timed rotation
  if (cfg_.rotate_secs && rotate_at_ <= now) rotate_at_ = now + std::chrono::seconds(cfg_.rotate_secs);
  if (size_ == 0) return;
  flush();
  finish_current();
  if (set_.verbose) info(set_, {"rename: ", name_, "/current ", old, " ", std::to_string(size_)});
  retry_pausing("unable to rename current", [&] {
    return ::renameat(dir_.get(), "current", dir_.get(), old.c_str()) == 0;
  });
  cur_.reset();
  if (suffix == 'u') saved_ = old;
  open_current();
  remove_oldest();
  if (suffix == 'u') start_processor();
}

// After a rotation: drop processor leftovers (.t) and, beyond n files, the oldest one.
void LogDir::remove_oldest() {
  OldFiles old;
  // Never the .u file a processor has yet to handle, even if the clock went back.
  if (!scan_old(old, true, saved_)) {
    svkit::warn_sys({"unable to open directory, want rotate: ", name_});
    return;
  }
  if (cfg_.keep_max && old.count > cfg_.keep_max && !old.oldest.empty()) {
    info(set_, {"delete: ", name_, "/", old.oldest});
    if (::unlinkat(dir_.get(), old.oldest.c_str(), 0) != 0)
      svkit::warn_sys({"unable to unlink oldest logfile: ", name_});
  }
}

void LogDir::send_udp(std::string_view dgram) {
  struct sockaddr_in to {};
  to.sin_family = AF_INET;
  to.sin_port = htons(cfg_.udp_port);
  to.sin_addr.s_addr = cfg_.udp_addr;
  ssize_t n = udp_ ? ::sendto(udp_.get(), dgram.data(), dgram.size(), 0,
                             reinterpret_cast<const sockaddr*>(&to), sizeof to)
                   : -1;
  if (n == static_cast<ssize_t>(dgram.size())) return;
  static const char kWarn[] = "warning: failure sending through udp: ";
  put(kWarn, sizeof kWarn - 1);
  put(dgram.data(), dgram.size());
  line_done();
}

Clock::time_point LogDir::next_deadline() const noexcept {
  auto t = Clock::time_point::max();
  if (is_open() && cfg_.rotate_secs) t = rotate_at_;
  if (proc_retry_ && proc_retry_at_ < t) t = proc_retry_at_;
  return t;
}

void LogDir::on_timer(Clock::time_point now) {
  if (proc_retry_ && now >= proc_retry_at_) start_processor();
  if (is_open() && cfg_.rotate_secs && now >= rotate_at_) rotate();  // re-arms even if empty
}

}  // namespace svlogd
