// SPDX-License-Identifier: MIT
// log_dir: one svlogd log directory: lock, config, `current`, size-based rotation with
// runit's rotation points, old-file pruning and the !processor. Bytes are collected in a
// large buffer and written in big blocks; every rotation first writes, fsyncs and chmods
// `current`, then renames it, so each line is in exactly one file at every moment.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "svkit/log_config.hpp"
#include "svkit/unique_fd.hpp"

namespace svlogd {

using Clock = std::chrono::steady_clock;

// A rotated file: "@" + 24 hex digits of TAI64N + "." + one suffix letter (s: done,
// u: unprocessed, t: a processor's unfinished output).
constexpr size_t kOldNameLength = 27;
constexpr size_t kOldSuffixAt = kOldNameLength - 1;

// svlogd's one retry rule: a step that must not fail (rename, open, chmod or fsync of
// current, writing to it, renaming a processed file, starting the processor) is tried
// again after kPause, forever: input waits meanwhile, no line is lost.
constexpr auto kPause = std::chrono::seconds(1);  // runit pauses 3 s; see svlogd.8
void sleep_for(Clock::duration d);  // resumes after signals until D has passed
// Runs OP until it returns true; after each failure COMPLAIN() (errno is OP's) and a pause.
template <class Op, class Complain>
void retry(Op&& op, Complain&& complain) {
  while (!op()) {
    complain();
    sleep_for(kPause);
  }
}

struct Settings {
  unsigned long line_max = 1000;
  bool verbose = false;
};

class LogDir {
 public:
  LogDir(std::string name, const Settings& s);
  ~LogDir();
  LogDir(const LogDir&) = delete;
  LogDir& operator=(const LogDir&) = delete;

  bool open();   // lock, read config, open current; false (with a warning) = unusable
  void close();  // write, fsync, chmod 0744, unlock; waits for a running processor
  bool is_open() const noexcept { return dir_.get() >= 0; }
  const svkit::LogConfig& config() const noexcept { return cfg_; }
  const std::string& name() const noexcept { return name_; }

  // Appends to current, rotating where runit would (before a byte once SIZE is reached).
  void put(const char* p, size_t n);
  // After a line's final '\n' was put: rotate when within line_max of SIZE.
  void line_done();
  // stamp + prefix + text + '\n' (the common case in one step).
  void put_line(std::string_view stamp, std::string_view text);
  void flush();                          // write the buffer to current
  void rotate_if_nonempty() { if (size_ > 0) rotate(); }
  void send_udp(std::string_view datagram);

  // Timers: size-independent rotation (t) and processor restarts.
  Clock::time_point next_deadline() const noexcept;
  void on_timer(Clock::time_point now);
  bool reap(pid_t pid, int wstat);       // true when PID was this directory's processor
  void wait_processor();                 // blocks until no processor is pending

 private:
  void rotate();
  void append(const char* p, size_t n);
  void write_out(const char* p, size_t n);
  void finish_current();  // fsync and mode 0744, retried until done
  bool free_space_by_deleting();
  struct OldFiles {
    std::string oldest;  // "" when none
    unsigned long count = 0;
  };
  // Counts the rotated files and finds the oldest (by name) other than SPARE. With
  // DROP_LEFTOVERS, processor leftovers (.t) are unlinked instead. False: unreadable.
  bool scan_old(OldFiles& out, bool drop_leftovers, const std::string& spare);
  template <class Op>
  void retry_pausing(const char* what, Op&& op);  // retry() with runit's "pausing: ..." line
  std::string new_old_name(char suffix);
  void remove_oldest();
  void start_processor();
  void processor_done(int wstat);
  bool open_current();

  std::string name_;
  const Settings& set_;
  svkit::LogConfig cfg_;
  svkit::UniqueFd dir_, lock_, cur_, udp_;
  unsigned long size_ = 0;
  std::unique_ptr<char[]> buf_;
  size_t used_ = 0;
  pid_t proc_pid_ = 0;
  std::string saved_;                    // @….u handed to the processor
  bool proc_retry_ = false;
  Clock::time_point proc_retry_at_{}, rotate_at_{};
};

}  // namespace svlogd
