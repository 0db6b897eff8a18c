// SPDX-License-Identifier: MIT
// tree: the service's whole process tree (man/supervise.8 "PROCESS TREE"). On Linux
// supervise is the child subreaper of what it starts, so a daemon that double-forks or a
// grandchild that called setsid() stays below supervise; the service's processes are then
// every descendant of supervise except the logger's side and supervise's own helpers
// (./check, ./alert). Signals that runit sends to the process group reach these too.
// POSIX-only builds have no subreaper: an orphan leaves the tree, and only the process
// group and the processes still below ./run are reached.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include "service.hpp"
#include "svkit/platform.hpp"
#include "svkit/proc_tree.hpp"

#if SVKIT_LINUX
#include <sys/prctl.h>
#endif

namespace supervise {
namespace {

const Context* g_context = nullptr;

void add_tree(std::vector<pid_t>& out, pid_t root) {
  if (root <= 0) return;
  out.push_back(root);
  for (pid_t p : svkit::descendants(root)) out.push_back(p);
}

// Some ./alert has run (its session id is kept).
bool alert_ran(const Context& c) noexcept {
  for (const Service* h : {&c.main, &c.log})
    for (pid_t sid : h->alert_sids)
      if (sid > 0) return true;
  return false;
}

// P is in the session of an ./alert that ended (setsid: its session id was its pid): a
// process it left in the background (mail, curl &), reparented to supervise. While a
// session has members its id is never reused as a pid, so a session whose leader is gone
// is still that ./alert's; one whose leader lives is a running ./alert's (skipped with its
// tree) or, the pid reused since, someone else's.
bool from_alert(const Context& c, pid_t p) noexcept {
  if (!alert_ran(c)) return false;  // no ./alert ever ran: no getsid()
  pid_t sid = ::getsid(p);
  if (sid <= 0 || sid == p) return false;
  for (const Service* h : {&c.main, &c.log})
    for (pid_t a : h->alert_sids)
      if (a == sid) return ::kill(sid, 0) != 0 && errno == ESRCH;
  return false;
}

}  // namespace

void alert_leftovers(const Context& c, std::vector<pid_t>& out) {
  if (!alert_ran(c)) return;
  for (pid_t p : svkit::descendants(::getpid()))
    if (from_alert(c, p)) out.push_back(p);
}

bool tree_init(const Context& c) noexcept {
  g_context = &c;
#if SVKIT_LINUX
  return ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
#else
  return true;
#endif
}

std::vector<pid_t> service_tree(const Service& s) {
  svkit::OneListing one;  // POSIX-only build: one ps for the whole answer
  std::vector<pid_t> out;
  const Context* c = g_context;
  if (!c) return out;
  if (&s == &c->log) {  // the logger: log/run and what it started
    if (s.sv.pid > 0) {
      for (pid_t p : svkit::descendants(s.sv.pid)) out.push_back(p);
      if (s.adopted) out.push_back(s.sv.pid);
    }
    return out;
  }
  // The main service: everything below supervise but the other side and the helpers.
  std::vector<pid_t> skip;
  if (c->has_log) add_tree(skip, c->log.sv.pid);
  for (const Service* h : {&c->main, &c->log}) {
    add_tree(skip, h->check_pid);
    add_tree(skip, h->alert_pid);
  }
  std::sort(skip.begin(), skip.end());
  for (pid_t p : svkit::descendants(::getpid()))
    if (!std::binary_search(skip.begin(), skip.end(), p) && !from_alert(*c, p)) out.push_back(p);
  if (s.adopted && s.sv.pid > 0) {  // a process taken over from a killed supervise
    out.push_back(s.sv.pid);
    for (pid_t p : svkit::descendants(s.sv.pid)) out.push_back(p);
  }
  return out;
}

bool living(pid_t pid) noexcept {
#if SVKIT_LINUX
  char path[40] = "/proc/";
  int n = 6;
  char digits[16];
  int k = 0;
  for (unsigned v = static_cast<unsigned>(pid); v; v /= 10) digits[k++] = static_cast<char>('0' + v % 10);
  while (k) path[n++] = digits[--k];
  memcpy(path + n, "/stat", 6);
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  ssize_t len = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (len <= 0) return false;
  const char* close = static_cast<const char*>(memrchr(buf, ')', static_cast<size_t>(len)));
  return !(close && close + 2 < buf + len && close[2] == 'Z');
#else
  return ::kill(pid, 0) == 0 || errno == EPERM;
#endif
}

void signal_tree(const Service& s, int sig, pid_t group) noexcept {
  try {
    for (pid_t p : service_tree(s)) {
      // The group's members already have it (one signal each, as with runit).
      if (p == s.sv.pid || (group > 0 && ::getpgid(p) == group)) continue;
      ::kill(p, sig);
    }
  } catch (...) {  // out of memory: the process group was signalled all the same
  }
}

}  // namespace supervise
