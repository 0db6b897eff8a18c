// SPDX-License-Identifier: MIT
// shutdown: the stop order comes from svkit::stop_order; each service waits for the
// services before it in that order that depend on it (edges against the order, on a
// cycle, are ignored), so independent chains stop in parallel.
#include "shutdown.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "svkit/dependencies.hpp"
#include "svkit/diag.hpp"
#include "svkit/read_file.hpp"

namespace svscan {
namespace {

constexpr auto kStopWait = std::chrono::seconds(60);    // for all of them
constexpr auto kStepBound = std::chrono::seconds(10);   // one service without timeout-kill
constexpr auto kStepMargin = std::chrono::seconds(2);   // beyond its timeout-kill

// DIR/timeout-kill (milliseconds, as s6) plus the margin; 10 s when absent or malformed.
Clock::duration step_bound(const std::string& dir) {
  std::string text;
  if (!svkit::read_file_at(AT_FDCWD, (dir + "/timeout-kill").c_str(), text)) return kStepBound;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
    return kStepBound;
  return std::chrono::milliseconds(std::stol(text)) + kStepMargin;
}

int timeout_ms(Clock::time_point next, Clock::time_point now) {
  if (next <= now) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::min<long long>(ms, INT_MAX));
}

struct Step {
  pid_t pid = 0;
  std::string dir;          // "" for a removed service (already told to stop)
  size_t blockers = 0;      // dependents not yet stopped
  std::vector<size_t> unblocks;  // the services waiting for this one
  bool told = false, done = false;
  Clock::time_point bound{};
};

class Shutdown {
 public:
  Shutdown(std::vector<Child> kids, const std::string& dir) {
    bool any = false;
    for (Child& k : kids) {
      std::string d = k.name.empty() ? "" : dir + "/" + k.name;
      if (!d.empty() && ::access((d + "/dependencies.d").c_str(), F_OK) == 0) any = true;
      steps_.emplace_back();
      steps_.back().pid = k.pid;
      steps_.back().dir = std::move(d);
    }
    for (Step& s : steps_) s.told = s.done = s.dir.empty();
    if (!any) return;  // nothing to order: all at once
    std::vector<std::string> dirs;
    for (const Step& s : steps_) dirs.push_back(s.dir);
    auto edges = svkit::dependency_edges(dirs, dir);
    auto order = svkit::stop_order(edges);
    std::vector<size_t> pos(order.size());
    for (size_t p = 0; p < order.size(); ++p) pos[order[p]] = p;
    for (size_t i = 0; i < edges.size(); ++i)
      for (size_t j : edges[i])  // I depends on J: J waits for I, unless a cycle puts J first
        if (pos[i] < pos[j]) {
          ++steps_[j].blockers;
          steps_[i].unblocks.push_back(j);
        }
  }

  void start(Clock::time_point now) {
    for (size_t i = 0; i < steps_.size(); ++i)
      if (!steps_[i].told && steps_[i].blockers == 0) tell(i, now);
  }

  // After children were reaped or time passed: finish the steps that ended.
  void update(const Scanner& scanner, Clock::time_point now) {
    for (size_t i = 0; i < steps_.size(); ++i) {
      Step& s = steps_[i];
      if (!s.told || s.done) continue;
      if (!scanner.running(s.pid)) finish(i, now);
      else if (now >= s.bound) finish(i, now);  // took too long: go on with the others
    }
  }

  // The earliest bound still running: when update() must run even without an event.
  Clock::time_point next() const {
    auto next = Clock::time_point::max();
    for (const Step& s : steps_)
      if (s.told && !s.done && !s.unblocks.empty()) next = std::min(next, s.bound);
    return next;
  }

 private:
  void tell(size_t i, Clock::time_point now) {
    Step& s = steps_[i];
    s.told = true;
    s.bound = now + (s.unblocks.empty() ? kStepBound : step_bound(s.dir));
    ::kill(s.pid, SIGTERM);
  }
  void finish(size_t i, Clock::time_point now) {
    steps_[i].done = true;
    for (size_t j : steps_[i].unblocks)
      if (--steps_[j].blockers == 0 && !steps_[j].told) tell(j, now);
  }

  std::vector<Step> steps_;
};

}  // namespace

void shut_down(Scanner& scanner, svkit::SignalFd& signals, const std::string& dir) {
  auto begin = Clock::now();
  Shutdown order(scanner.stop_starting(), dir);
  order.start(begin);
  while (scanner.children() > 0) {
    auto now = Clock::now();
    auto next = order.next();
    auto deadline = std::max(begin + kStopWait, next == Clock::time_point::max() ? begin : next);
    if (now >= deadline) break;
    pollfd p = {signals.fd(), POLLIN, 0};
    ::poll(&p, 1, timeout_ms(std::min(next, deadline), now));
    while (signals.next() > 0) {
    }
    scanner.reap();
    order.update(scanner, Clock::now());
  }
  _exit(svkit::kExitTemporary);
}

}  // namespace svscan
