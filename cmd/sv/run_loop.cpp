// SPDX-License-Identifier: MIT
// sv's two phases: act on every service, then wait until each reached its condition, woken
// by changes of supervise/status (StatusWatch) instead of runit's 420 ms polling.
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

#include "sv.hpp"
#include "svkit/diag.hpp"
#include "svkit/tai64n.hpp"

namespace sv {
namespace {
bool in_svdir(const char* name) {
  size_t n = strlen(name);
  return n && name[0] != '/' && name[0] != '.' && name[n - 1] != '/';
}
}  // namespace

std::string service_path(const Ctx& c, const char* name) {
  return in_svdir(name) ? c.svdir + "/" + name : std::string(name);
}

bool enter_service(const Ctx& c, const char* name) {
  if (in_svdir(name)) return ::chdir(c.svdir.c_str()) == 0 && ::chdir(name) == 0;
  return ::chdir(name) == 0;
}

void leave_service(Ctx& c) {
  if (::fchdir(c.curdir) == -1) {
    errline("fatal: unable to change to original directory: ", svkit::error_str(errno));
    done(c, c.lsb ? 151 : 100);
  }
}

static bool act(Ctx& c) {
  using K = svkit::SvCommand::Kind;
  if (c.cmd.kind == K::status) return status_cmd(c), true;
  if (c.cmd.kind == K::check) return true;
  return control(c, c.cmd.bytes.c_str()) != Sent::failed;
}

static void timed_out(Ctx& c) {
  outs(c.cmd.kill ? "kill: " : "timeout: ");
  if (status_get(c) == Got::ok) {
    status_print(c, c.name);
    ++c.rc;
  }
  flush("\n");
  if (c.cmd.kill) control(c, "k");
}

int run_services(Ctx& c) {
  bool waits = c.cmd.kind != svkit::SvCommand::Kind::status && (c.cmd.wait || c.verbose);
  std::vector<const char*> active;
  for (const char* name : c.services) {
    c.name = name;
    if (waits) c.watch.add(service_path(c, name));  // before acting: no change is missed
    bool alive = enter_service(c, name);
    if (!alive) fail(c, "unable to change to service directory", errno);
    if (alive && !act(c)) alive = false;
    leave_service(c);
    if (alive) active.push_back(name);
  }
  if (!waits) return static_cast<int>(std::min(c.rc, 99u));

  auto deadline = c.start + std::chrono::seconds(c.wait_sec);
  for (bool first = true;; first = false) {
    auto now = svkit::StatusWatch::Clock::now();
    bool expired = !first && now >= deadline;
    c.check_failed = false;
    for (auto& name : active) {
      if (!name) continue;
      c.name = name;
      if (!enter_service(c, name)) {
        fail(c, "unable to change to service directory", errno);
        name = nullptr;
      }
      if (name && check(c, c.cmd.bytes.c_str()) != Reach::not_yet) name = nullptr;
      if (name && expired) {
        timed_out(c);
        name = nullptr;
      }
      leave_service(c);
    }
    if (std::none_of(active.begin(), active.end(), [](const char* n) { return n; })) break;
    auto until = deadline;
    if (c.check_failed) until = std::min(until, svkit::StatusWatch::Clock::now() + kCheckInterval);
    c.watch.wait(until);
    c.now_tai = svkit::tai_now().sec;
  }
  return static_cast<int>(std::min(c.rc, 99u));
}

}  // namespace sv
