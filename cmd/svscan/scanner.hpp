// SPDX-License-Identifier: MIT
// scanner: the set of services of one scan directory and their supervise processes.
// Keyed by (device, inode) in hash maps, so 10,000 services cost no quadratic work.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include "launcher.hpp"
#include "svkit/dir_watch.hpp"
#include "svkit/scan_dir.hpp"
#include "svkit/unique_fd.hpp"

namespace svscan {

using Clock = std::chrono::steady_clock;

class Scanner {
 public:
  Scanner(std::string dir, const Launcher& launcher) : dir_(std::move(dir)), launcher_(launcher) {}

  void full_scan();                               // every entry of DIR
  void apply(const svkit::DirEvents& events);     // only the entries named by the watcher
  void reap();                                    // collect every exited child (and orphans)
  // Starts the supervise processes that are due; returns when to call again (max: never).
  Clock::time_point start_due(Clock::time_point now);
  size_t stop_all();                              // SIGTERM to each supervise we started
  size_t children() const { return children_.size(); }

 private:
  struct Service {
    std::string name;             // one name leading to it (argv[1] of its supervise)
    int names = 0;                // entries of DIR leading to it
    pid_t pid = 0;                // its supervise, 0 when none runs
    bool queued = false;          // in pending_
    bool foreign = false;         // a supervise we did not start holds supervise/ok
    Clock::time_point next_start{};
    svkit::Pipe log;              // handed to every supervise we start for it
  };
  using Key = svkit::ServiceKey;

  void set_name(const std::string& name, const Key& key);
  void drop_name(const std::string& name);
  void remove_unnamed();
  void remove(const Key& key);
  void queue(const Key& key, Service& s);
  bool try_start(const Key& key, Service& s, Clock::time_point now);
  void open_log_pipe(Service& s);
  void recheck_foreign(Clock::time_point now);

  std::string dir_;
  const Launcher& launcher_;
  std::unordered_map<Key, Service, svkit::ServiceKeyHash> services_;
  std::unordered_map<std::string, Key> names_;    // entry name -> service
  std::unordered_map<pid_t, Key> children_;       // supervise pid -> service (maybe gone)
  std::vector<Key> pending_;                      // to start (entries may be stale)
  std::vector<Key> unnamed_;                      // lost their last name: remove
  std::vector<Key> foreign_;                      // supervised by someone else
  Clock::time_point foreign_check_{};
  size_t pipes_ = 0;
};

}  // namespace svscan
