// SPDX-License-Identifier: MIT
// Adoption after a SIGKILL of supervise, by identity: the pid and kernel start time that
// supervise recorded in svkit-status (pid_start), not the process's working directory.
// (A session leader cannot change its session or process group, so a service started by
// supervise keeps both; what it can change is its directory, tested here.)
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>

#include "supervise_policy_fixture.hpp"
#include "svkit/platform.hpp"
#include "svkit/policy.hpp"
#include "svkit/process_start.hpp"

using namespace svkit::test;
using namespace svkit::test::sup;
using namespace svkit::test::pol;

// Start times differ when they differ by more than this (POSIX-only build: seconds from ps).
constexpr uint64_t kSlack = SVKIT_LINUX ? 0 : svkit::kStartSlack;

TEST_CASE("supervise adopt: a service that left its directory (cd /) is adopted",
          "[supervise][adopt][e2e]") {
  ServiceDir s;
  write_script(s / "run", "echo >> ../starts\ncd /\nexec sleep 30\n");
  pid_t pid = 0;
  {
    Tool first("supervise", {s.str()});
    pid = wait_running(s.dir);
    REQUIRE(pid);
    REQUIRE(eventually(5s, [&] { return comm_of(pid) == "sleep"; }));
    REQUIRE(eventually(5s, [&] {
      auto rec = ext(s.dir, "pid_start");  // "PID START"; POSIX-only: START within kSlack
      auto sp = rec.find(' ');
      return sp != std::string::npos && rec.substr(0, sp) == std::to_string(pid) &&
             rec.find_first_not_of("0123456789", sp + 1) == std::string::npos &&
             rec.size() > sp + 1 &&
             (kSlack == 0 ? std::stoull(rec.substr(sp + 1)) == svkit::start_time_of(pid)
                          : svkit::same_start(std::stoull(rec.substr(sp + 1)), svkit::start_time_of(pid)));
    }));
    first.signal(SIGKILL);
    REQUIRE(first.wait_exit(5s));
  }
  Tool second("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return supervised(s.dir); }));
  CHECK(pid_of(s.dir) == pid);
  CHECK_FALSE(eventually(300ms, [&] { return lines_in(s.tmp / "starts") > 1; }));
  REQUIRE(control(s.dir, "d"));  // controlled as its own
  CHECK(eventually(5s, [&] { return !process_alive(pid); }));
}

namespace {

// A stranger that passes the old test (a session leader whose cwd is the service dir).
std::unique_ptr<Tool> stranger_in(const ServiceDir& s) {
  RunOptions o;
  o.cwd = s.str();
  auto t = std::make_unique<Tool>("/usr/bin/python3",
                                  std::vector<std::string>{"-c", "import os,time\nos.setsid()\ntime.sleep(30)\n"},
                                  o, false);
  REQUIRE(eventually(5s, [&] { return ::getsid(t->pid()) == t->pid(); }));
  return t;
}

}  // namespace

TEST_CASE("supervise adopt: a reused pid (another start time) is never adopted",
          "[supervise][adopt][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  make_dirs(s / "supervise");
  auto stranger = stranger_in(s);
  pid_t pid = stranger->pid();
  write_file(s / "supervise/pid", std::to_string(pid) + "\n");
  write_file(s / "supervise/svkit-status",
             "phase up\npid_start " + std::to_string(pid) + " " +
                 std::to_string(svkit::start_time_of(pid) + 1 + kSlack) + "\n");
  Tool sup("supervise", {s.str()});
  pid_t started = wait_running(s.dir);
  REQUIRE(started);
  CHECK(started != pid);
  CHECK(stranger->running());
}

TEST_CASE("supervise adopt: the recorded start time identifies the process",
          "[supervise][adopt][e2e]") {
  ServiceDir s;  // the control case of the test above: same stranger, right start time
  write_script(s / "run", "echo >> ../starts\nexec sleep 30\n");
  make_dirs(s / "supervise");
  auto stranger = stranger_in(s);
  pid_t pid = stranger->pid();
  write_file(s / "supervise/pid", std::to_string(pid) + "\n");
  write_file(s / "supervise/svkit-status",
             "phase up\npid_start " + std::to_string(pid) + " " +
                 std::to_string(svkit::start_time_of(pid)) + "\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return supervised(s.dir); }));
  CHECK(pid_of(s.dir) == pid);
  CHECK_FALSE(svkit::test::exists(s.tmp / "starts"));
}

#if !SVKIT_LINUX
// POSIX-only build: an adopted service is checked every second with ps. A ps that hangs
// (killed after 5 s) or cannot run says nothing: the service is neither given up nor
// started again beside itself. /bin/ps is replaced, in a private mount namespace of this
// test process (inherited by supervise), by a script that hangs while a flag file exists.
TEST_CASE("supervise adopt: a ps that hangs is not taken for the service's exit (POSIX-only)",
          "[supervise][adopt][fault][e2e]") {
  if (!require_root()) return;
  ServiceDir s;
  write_script(s / "run", "echo >> ../starts\nexec sleep 60\n");
  std::string real_ps = fs::canonical("/bin/ps").string();
  fs::path copy = s.tmp / "ps.real", flag = s.tmp / "hang", calls = s.tmp / "hung";
  fs::copy_file(real_ps, copy);
  // Only the start-time look-up (ps -o stat=,lstart= -p PID) hangs; tree listings answer.
  write_script(s.tmp / "ps", "case \"$*\" in *lstart*) if [ -e " + flag.string() +
                                 " ]; then echo >> " + calls.string() +
                                 "; exec sleep 30; fi;; esac\nexec " + copy.string() + " \"$@\"\n");
  REQUIRE(::unshare(CLONE_NEWNS) == 0);
  REQUIRE(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
  REQUIRE(::mount((s.tmp / "ps").c_str(), real_ps.c_str(), nullptr, MS_BIND, nullptr) == 0);
  struct Unmount {
    std::string at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{real_ps};
  pid_t pid = 0;
  {
    Tool first("supervise", {s.str()});
    pid = wait_running(s.dir);
    REQUIRE(pid);
    REQUIRE(eventually(5s, [&] { return comm_of(pid) == "sleep"; }));
    first.signal(SIGKILL);
    REQUIRE(first.wait_exit(5s));
  }
  Tool second("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return supervised(s.dir) && pid_of(s.dir) == pid; }));
  write_file(flag, "");
  // The second hung ps means the first was killed at its deadline and its check is done.
  REQUIRE(eventually(20s, [&] { return lines_in(calls) >= 2 || lines_in(s.tmp / "starts") > 1; }));
  CHECK_FALSE(eventually(2s, [&] { return lines_in(s.tmp / "starts") > 1; }));  // no second copy
  CHECK(pid_of(s.dir) == pid);
  CHECK(process_alive(pid));
  fs::remove(flag);
  // ps answers again: the adopted service's real exit is still seen, and it restarts.
  ::kill(pid, SIGKILL);
  CHECK(eventually(20s, [&] { return lines_in(s.tmp / "starts") == 2; }));
  // The new run can write its line before supervise publishes its pid.
  CHECK(eventually(5s, [&] { return pid_of(s.dir) != pid && pid_of(s.dir) != 0; }));
  REQUIRE(control(s.dir, "x"));
  CHECK(second.wait_exit(20s));
}
#endif
