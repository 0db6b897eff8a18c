// SPDX-License-Identifier: MIT
// sv enable / disable (svkit verbs for configuration management):
//   enable DIR   links DIR into the service directory as its base name (symlink to a
//                temporary name, then rename: a scanner never sees half an entry) and
//                waits until it is supervised and, without a down file, up (./check ok);
//   disable NAME removes the link, sends "dx" to its supervisor (for scanners that do not
//                stop removed services themselves) and waits until the supervisor exited.
// Both are idempotent ("already enabled" / "already disabled"), bounded by -w (default 7 s),
// and count failures in the exit code like every sv command.
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "sv.hpp"
#include "svkit/fifo.hpp"
#include "svkit/paths.hpp"
#include "svkit/tai64n.hpp"

namespace sv {
namespace {

std::string base_name(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string real_path(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : std::string();
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

bool held(const std::string& dir) { return svkit::probe_supervisor(dir) == svkit::Probe::yes; }

// Waits until DONE(dir) holds or the deadline passes.
template <class Pred>
bool wait_for(Ctx& c, Pred done) {
  auto deadline = c.start + std::chrono::seconds(c.wait_sec);
  for (;;) {
    c.check_failed = false;
    if (done()) return true;
    auto until = deadline;
    if (c.check_failed) until = std::min(until, svkit::StatusWatch::Clock::now() + kCheckInterval);
    if (!c.watch.wait(until) && svkit::StatusWatch::Clock::now() >= deadline) return done();
    c.now_tai = svkit::tai_now().sec;
  }
}

// Supervised, and up (and ready, with readiness) unless it has a down file. Prints
// "ok: ..." when reached.
bool enabled_and_up(Ctx& c, const std::string& dir, bool say_status) {
  if (!held(dir) || ::chdir(dir.c_str()) == -1) return false;
  struct stat st;
  bool reached = false;
  if (::stat(svkit::kDownFile, &st) == 0) {
    reached = status_get(c) == Got::ok;
    if (reached && say_status) {
      outs("ok: ");
      status_print(c, c.name);
      flush("\n");
    }
  } else if (say_status) {
    reached = check(c, "u") == Reach::reached;
  } else {
    auto s = svkit::read_status(".");
    reached = s && s->pid && s->state == svkit::RunState::run && ready_now(*s);
  }
  leave_service(c);
  return reached;
}

void enable_one(Ctx& c, const char* arg) {
  c.name = arg;
  std::string src = arg;
  bool bare = !strchr(arg, '/');
  struct stat st;
  if (bare && ::stat(arg, &st) != 0 && ::lstat((c.svdir + "/" + arg).c_str(), &st) == 0)
    src = c.svdir + "/" + arg;  // not here, but already in the service directory
  std::string abs = real_path(src);
  if (abs.empty()) return fail(c, "unable to change to service directory", errno);
  std::string name = base_name(abs);
  std::string link = c.svdir + "/" + name;
  if (::stat((abs + "/" + svkit::kRunFile).c_str(), &st) == -1)
    return fail(c, "not a service directory: unable to stat run", errno);
  c.watch.add(abs);
  c.name = name.c_str();
  bool already = false;
  if (::lstat(link.c_str(), &st) == 0) {
    if (!same_file(link, abs)) return fail(c, "another service is enabled under this name", 0);
    already = true;
  } else if (errno != ENOENT) {
    return fail(c, "unable to stat the service directory entry", errno);
  } else {
    std::string tmp = c.svdir + "/." + name + ".svkit-enable." + std::to_string(::getpid());
    ::unlink(tmp.c_str());
    if (::symlink(abs.c_str(), tmp.c_str()) == -1)
      return fail(c, "unable to create a link in the service directory", errno);
    if (::rename(tmp.c_str(), link.c_str()) == -1) {
      int e = errno;
      ::unlink(tmp.c_str());
      return fail(c, "unable to create a link in the service directory", e);
    }
  }
  if (already && enabled_and_up(c, abs, false)) return ok(c, "already enabled");
  if (!wait_for(c, [&] { return enabled_and_up(c, abs, !already); })) {
    ++c.rc;
    // Running, yet not reached: its readiness (notification-fd, ./check) is what is missing.
    auto s = svkit::read_status(abs);
    bool running = s && s->pid && s->state == svkit::RunState::run;
    return flush(std::string("timeout: ") + c.name +
                 (!held(abs) ? ": not supervised\n"
                  : running  ? ": supervised, not ready\n"
                             : ": supervised, not up\n"));
  }
  if (already) ok(c, "already enabled");
}

void disable_one(Ctx& c, const char* arg) {
  c.name = arg;
  std::string link = strchr(arg, '/') ? std::string(arg) : c.svdir + "/" + arg;
  struct stat st;
  if (::lstat(link.c_str(), &st) == -1) {
    if (errno == ENOENT) return ok(c, "already disabled");
    return fail(c, "unable to stat the service directory entry", errno);
  }
  if (!S_ISLNK(st.st_mode)) return fail(c, "unable to disable: not a symbolic link", 0);
  std::string target = real_path(link);
  if (!target.empty()) {
    c.watch.add(target);
    if (::stat((target + "/log").c_str(), &st) == 0) c.watch.add(target + "/log");
  }
  if (::unlink(link.c_str()) == -1) return fail(c, "unable to remove the link", errno);
  if (target.empty()) return ok(c, "disabled");
  svkit::send_control(target, "dx");  // not running (ENXIO, ENOENT) is fine
  std::string log = target + "/log";
  bool log_sent = false;
  bool gone = wait_for(c, [&] {
    if (held(target)) return false;
    if (!held(log)) return true;
    if (!log_sent) svkit::send_control(log, "x"), log_sent = true;  // daemontools-style log
    return false;
  });
  if (!gone) {
    ++c.rc;
    return flush(std::string("timeout: ") + c.name + ": supervise still running\n");
  }
  ok(c, "disabled");
}

}  // namespace

int enable_cmd(Ctx& c) {
  for (const char* s : c.services) enable_one(c, s);
  return static_cast<int>(std::min(c.rc, 99u));
}

int disable_cmd(Ctx& c) {
  for (const char* s : c.services) disable_one(c, s);
  return static_cast<int>(std::min(c.rc, 99u));
}

}  // namespace sv
