// SPDX-License-Identifier: MIT
// scanner: the services of one scan directory and their supervise processes, in one
// compact table: a row per service (its identity, its supervise, its log pipe, where its
// name is) and three small hash indexes of row numbers (by name, by (dev, ino), by pid).
// About 60 bytes a service, so 10,000 services cost well under a megabyte and no
// quadratic work.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "launcher.hpp"
#include "svkit/row_index.hpp"
#include "svkit/dir_watch.hpp"
#include "svkit/scan_dir.hpp"

namespace svscan {

using Clock = std::chrono::steady_clock;

// A supervise we started and that has not been reaped yet.
struct Child {
  pid_t pid;
  std::string name;  // "" when its service was removed (it has been told to stop)
};

class Scanner {
 public:
  Scanner(std::string dir, const Launcher& launcher) : dir_(std::move(dir)), launcher_(launcher) {}
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Both false when DIR could not be read (EMFILE, ENOMEM...): nothing changed, scan again.
  bool full_scan();                            // every entry of DIR
  bool apply(const svkit::DirEvents& events);  // only the entries named by the watcher
  // A service whose last name went away in apply() (moved out, or the first half of a
  // rename whose MOVED_TO inotify has not delivered yet) is kept for a grace time:
  // vanish_due() is when the first grace ends (max: none pending); expire_vanished()
  // removes those whose grace is over. Call it only after a read that left no event
  // pending, so that a rename's second half is always seen first.
  Clock::time_point vanish_due() const;
  void expire_vanished(Clock::time_point now);
  // Collects every exited child (and orphans); returns how many of our supervise were reaped.
  size_t reap();
  // Starts the supervise processes that are due; returns when to call again (max: never).
  Clock::time_point start_due(Clock::time_point now);
  // Shutdown: nothing more is started; the supervise processes still running.
  std::vector<Child> stop_starting();
  size_t children() const { return children_; }
  bool running(pid_t pid) const;

 private:
  enum : uint8_t { kFree, kLive, kRemoved };  // kRemoved: forgotten, its supervise not yet reaped
  enum : uint8_t { kQueued = 1, kForeign = 2, kSeen = 4, kVanished = 8 };
  struct Row {
    ino_t ino = 0;
    int64_t next_start = 0;  // steady clock, milliseconds: not started before
    uint32_t name = 0;       // offset of its NUL-terminated name in names_ (argv[1])
    uint32_t dev = 0;        // index into devs_
    pid_t pid = 0;           // its supervise; 0 when none runs
    int log_r = -1, log_w = -1;  // the log pipe handed to every supervise of it
    uint8_t state = kFree;
    uint8_t flags = 0;
  };
  struct Vanished {  // a row without a name, kept until UNTIL (steady clock, ms)
    uint32_t row;
    int64_t until;
  };
  struct Alias {  // a second name leading to a service (rare)
    std::string name;
    uint32_t row;
    bool seen;
  };
  using Key = svkit::ServiceKey;

  const char* name_of(uint32_t r) const { return names_.data() + rows_[r].name; }
  Key key_of(uint32_t r) const { return Key{devs_[rows_[r].dev], rows_[r].ino}; }
  uint32_t find_name(const char* name) const;
  uint32_t find_key(const Key& key) const;
  uint32_t find_pid(pid_t pid) const;
  size_t hash_row_name(uint32_t r) const;
  size_t hash_row_key(uint32_t r) const;
  size_t hash_row_pid(uint32_t r) const;
  uint32_t add_row(const std::string& name, const Key& key);
  void set_row_name(uint32_t r, const std::string& name);
  void free_row(uint32_t r);
  void set_pid(uint32_t r, pid_t pid);

  void set_name(const std::string& name, const Key& key);
  void drop_name(const std::string& name);
  void remove(uint32_t r);
  void remove_unnamed();
  void keep_unnamed(Clock::time_point now);
  void unvanish(uint32_t r);
  void queue(uint32_t r);
  bool try_start(uint32_t r, Clock::time_point now);
  void open_log_pipe(Row& row, const char* name);
  void recheck_foreign(Clock::time_point now);

  std::string dir_;
  const Launcher& launcher_;
  std::vector<Row> rows_;
  std::vector<uint32_t> free_rows_;
  std::string names_;       // every row's name, NUL-terminated, back to back
  size_t dead_name_bytes_ = 0;
  std::vector<dev_t> devs_;  // the few devices service directories live on
  std::vector<Alias> aliases_;
  std::vector<Vanished> vanished_;  // in order of UNTIL; usually empty
  svkit::RowIndex by_name_, by_key_, by_pid_;
  size_t queued_ = 0, foreign_ = 0, children_ = 0, pipes_ = 0, unnamed_ = 0;
  bool stopping_ = false;
  Clock::time_point foreign_check_{};
};

}  // namespace svscan
