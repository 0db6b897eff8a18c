// SPDX-License-Identifier: MIT
// logger: the read → split → dispatch loop and the signal handling of svlogd.
#include "logger.hpp"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "svkit/diag.hpp"
#include "svkit/log_pattern.hpp"
#include "svkit/platform.hpp"
#include "svkit/signal_fd.hpp"

namespace svlogd {
namespace {
// Reads are large whatever -b says: -b only sizes runit's stdio buffers, and lines are
// cut and rotated exactly as runit does regardless of how the input was read.
constexpr size_t kReadSize = 128 * 1024;

void info(const Options& o, const char* msg) {
  if (o.settings.verbose) svkit::say({"info: ", msg});
}
}  // namespace

Logger::Logger(const Options& o)
    : opt_(o), stamp_(o.stamp), split_(o.settings.line_max), in_(new char[kReadSize]) {
  for (auto& d : o.dirs) dirs_.push_back(std::make_unique<LogDir>(d, o.settings));
  in_tail_.assign(dirs_.size(), 0);
}

void Logger::reopen() {
  bool ok = false;
  for (auto& d : dirs_) {
    d->close();
    if (d->open()) ok = true;
  }
  if (!ok) svkit::die(111, {"no functional log directories."});
}

void Logger::flush_all() {
  for (auto& d : dirs_)
    if (d->is_open()) d->flush();
}

void Logger::copy_line(std::string& out, std::string_view stamp, const svkit::LogConfig& c,
                       std::string_view head, bool long_line) {
  out.assign(stamp);
  out.append(c.prefix);
  out.append(head);
  if (long_line) out.append("...");
  out.push_back('\n');
}

void Logger::line(char* head, size_t len, bool long_line, const timespec& when) {
  if (opt_.replace_with) {
    for (size_t i = 0; i < len; ++i) {
      unsigned char c = static_cast<unsigned char>(head[i]);
      if (c < 32 || c > 126 || opt_.replace.find(static_cast<char>(c)) != std::string::npos)
        head[i] = opt_.replace_with;
    }
  }
  std::string_view text(head, len);
  std::string_view stamp = opt_.stamp ? stamp_.format(when) : std::string_view();
  for (size_t i = 0; i < dirs_.size(); ++i) {
    LogDir& d = *dirs_[i];
    in_tail_[i] = 0;
    if (!d.is_open()) continue;
    const svkit::LogConfig& c = d.config();
    svkit::LogSelect sel;
    if (!c.rules.empty()) sel = svkit::log_select(c.rules, text);
    if (sel.err) {
      copy_line(scratch_, stamp, c, text, long_line);
      svkit::write_all(STDERR_FILENO, scratch_);
    }
    if (!sel.log) continue;
    if (c.udp_port) {
      copy_line(scratch_, stamp, c, text, long_line);
      d.send_udp(scratch_);
    }
    if (c.udp_only) continue;
    if (!long_line) {
      d.put_line(stamp, text);
      continue;
    }
    d.put(stamp.data(), stamp.size());
    d.put(c.prefix.data(), c.prefix.size());
    d.put(head, len);
    in_tail_[i] = 1;
  }
}

void Logger::tail(const char* data, size_t len) {
  for (size_t i = 0; i < dirs_.size(); ++i)
    if (in_tail_[i] && dirs_[i]->is_open()) dirs_[i]->put(data, len);
}

void Logger::tail_end() {
  for (size_t i = 0; i < dirs_.size(); ++i) {
    if (!in_tail_[i] || !dirs_[i]->is_open()) continue;
    dirs_[i]->put("\n", 1);
    dirs_[i]->line_done();
    in_tail_[i] = 0;
  }
}

// Reads at most LIMIT bytes and feeds them to the splitter; returns the count (0 at end).
size_t Logger::read_input(size_t limit) {
  ssize_t n;
  do n = ::read(STDIN_FILENO, in_.get(), std::min(limit, kReadSize)); while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN) return 0;
  if (n < 0) svkit::warn_sys({"unable to read standard input"});
  if (n <= 0) {
    eof_ = true;
    return 0;
  }
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);  // one clock value per read: see svlogd.8
  split_.feed(in_.get(), static_cast<size_t>(n), now, *this);
  return static_cast<size_t>(n);
}

// svkit's TERM: log what the writer has already put into the pipe, without waiting for more.
void Logger::drain() {
  int avail = 0;
  if (::ioctl(STDIN_FILENO, FIONREAD, &avail) == 0) {
    for (size_t left = static_cast<size_t>(avail > 0 ? avail : 0); left > 0 && !eof_;) {
      size_t n = read_input(left);
      if (n == 0) break;
      left -= n;
    }
    return;
  }
  for (;;) {  // no byte count (a terminal?): read while something is ready
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    if (eof_ || ::poll(&p, 1, 0) <= 0 || read_input(kReadSize) == 0) return;
  }
}

void Logger::on_signal(int sig, bool& stop) {
  switch (sig) {
    case SIGTERM:
      info(opt_, "sigterm received.");
      drain();
      stop = true;
      break;
    case SIGALRM:
      info(opt_, "sigalarm received.");
      for (auto& d : dirs_) d->rotate_if_nonempty();
      break;
    case SIGHUP:
      info(opt_, "sighangup received.");
      reopen();
      break;
    case SIGCHLD:
      for (;;) {
        int wstat;
        pid_t pid = ::waitpid(-1, &wstat, WNOHANG);
        if (pid <= 0) break;
        for (auto& d : dirs_)
          if (d->reap(pid, wstat)) break;
      }
      break;
  }
}

int Logger::poll_timeout() const {
  auto next = Clock::time_point::max();
  for (auto& d : dirs_) next = std::min(next, d->next_deadline());
  if (next == Clock::time_point::max()) return -1;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count() + 1;
  return ms < 0 ? 0 : ms > 86400000 ? 86400000 : static_cast<int>(ms);
}

int Logger::run() {
  svkit::SignalFd signals{SIGTERM, SIGALRM, SIGHUP, SIGCHLD};
  reopen();
  bool more = false, stop = false;
  while (!stop && !eof_) {
    if (!more) flush_all();  // about to wait: everything read so far goes to disk first
    struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {signals.fd(), POLLIN, 0}};
    int r = ::poll(fds, 2, more ? 0 : poll_timeout());
    if (r < 0 && errno != EINTR) svkit::die_sys(111, {"unable to poll"});
    // A self-pipe (POSIX-only build) is written by the handler as poll returns, possibly
    // after poll saw only the input: look anyway, so that a signal sent before a line is
    // handled before it, as with signalfd.
    if ((r > 0 && (fds[1].revents & POLLIN)) || !SVKIT_LINUX)
      for (int sig; !stop && (sig = signals.next()) > 0;) on_signal(sig, stop);
    auto now = Clock::now();
    for (auto& d : dirs_) d->on_timer(now);
    more = false;
    if (!stop && r > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
      more = read_input(kReadSize) == kReadSize;
  }
  split_.finish(*this);  // a last line without newline gets one
  for (auto& d : dirs_) d->close();
  return 0;
}

}  // namespace svlogd
