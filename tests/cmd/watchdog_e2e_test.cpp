// SPDX-License-Identifier: MIT
// supervise's watchdog and whole-tree stop end to end (man/supervise.8 "PROCESS TREE",
// "WATCHDOG"): a real supervise, the hog helper as the misbehaving service, small limits
// and a 50 ms watchdog-interval; every wait has a deadline, every process ends by itself.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <regex>

#include "supervise_policy_fixture.hpp"
#include "svkit/platform.hpp"
#include "svkit/proc_tree.hpp"

using namespace svkit::test;
using namespace svkit::test::sup;
using namespace svkit::test::pol;

namespace {

std::string hog(const std::string& args) { return bin("hog") + " " + args; }

// The process exists and is not a zombie.
bool alive(pid_t pid) {
  std::string st = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (st.empty()) return false;
  auto close = st.rfind(')');
  return close != std::string::npos && close + 2 < st.size() && st[close + 2] != 'Z';
}

pid_t pid_in(const fs::path& file) {
  std::string t = read_file(file);
  return t.empty() ? 0 : static_cast<pid_t>(std::stol(t));
}

void watch(const ServiceDir& s, const std::string& file, const std::string& value) {
  write_file(s / file, value);
  write_file(s / "watchdog-interval", "50\n");
  write_script(s / "alert", "echo \"$@\" >> ../alerts\n");
}

}  // namespace

TEST_CASE("watchdog: svkit-status names the supervisor and the limits, - when none",
          "[supervise][watchdog][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  REQUIRE(phase_becomes(s.dir, "up"));
  auto e = ext_of(s.dir);
  CHECK(e["supervisor"] == std::to_string(sup.pid()));
  CHECK(e["memory_limit"] == "-");
  CHECK(e["cpu_limit"] == "-");
  CHECK(e["watchdog_interval"] == "-");
  CHECK(e["watchdog_trip"] == "-");
}

TEST_CASE("watchdog: memory past memory-limit twice: restarted, reason, alert watchdog",
          "[supervise][watchdog][e2e]") {
  ServiceDir s;
  watch(s, "memory-limit", "16M\n");
  write_script(s / "run", "exec " + hog("mem 48") + "\n");
  Tool sup("supervise", {s.str()});
  pid_t first = wait_running(s.dir);
  REQUIRE(first);
  REQUIRE(eventually(20s, [&] { return ext(s.dir, "restarts") == "1"; }));
  auto e = ext_of(s.dir);
  CHECK(e["memory_limit"] == "16777216");
  CHECK(e["watchdog_interval"] == "50");
  CHECK(std::regex_match(e["reason"], std::regex("memory [0-9.]+M > 16M")));
  CHECK(std::regex_match(e["watchdog_trip"], std::regex("[0-9]+\\.[0-9]{3} memory [0-9.]+M > 16M")));
  REQUIRE(eventually(5s, [&] { return !read_file(s.tmp / "alerts").empty(); }));
  CHECK(split_lines(read_file(s.tmp / "alerts"))[0] == "watchdog svc 0 0");
  CHECK_FALSE(alive(first));
  CHECK(sup.err().empty());
  REQUIRE(control(s.dir, "d"));
  CHECK(phase_becomes(s.dir, "down"));
}

TEST_CASE("watchdog: a CPU spinner past cpu-limit is restarted, one below is left alone",
          "[supervise][watchdog][e2e]") {
  SECTION("past the limit") {
    ServiceDir s;
    watch(s, "cpu-limit", "1 1\n");  // 1 % of a core over 1 s: a spinner gets more even here
    write_script(s / "run", "exec " + hog("spin") + "\n");
    Tool sup("supervise", {s.str()});
    REQUIRE(wait_running(s.dir));
    REQUIRE(eventually(30s, [&] { return ext(s.dir, "restarts") == "1"; }));
    CHECK(ext(s.dir, "cpu_limit") == "1 1");
    CHECK(std::regex_match(ext(s.dir, "reason"), std::regex("cpu [0-9]+% > 1% over 1 s")));
    REQUIRE(eventually(5s, [&] { return !read_file(s.tmp / "alerts").empty(); }));
    CHECK(split_lines(read_file(s.tmp / "alerts"))[0] == "watchdog svc 0 0");
    REQUIRE(control(s.dir, "d"));
    CHECK(phase_becomes(s.dir, "down"));
  }
  SECTION("below the limit") {
    ServiceDir s;
    watch(s, "cpu-limit", "150 1\n");  // one thread cannot use 150 % of a core
    write_script(s / "run", "exec " + hog("spin") + "\n");
    Tool sup("supervise", {s.str()});
    pid_t pid = wait_running(s.dir);
    REQUIRE(pid);
    // Judged many times: the spinner has used 1.5 s of CPU (>= 1.5 s of samples).
    REQUIRE(eventually(40s, [&] { return svkit::usage_of({pid}).cpu_seconds >= 1.5; }, 20ms));
    CHECK(ext(s.dir, "restarts") == "0");
    CHECK(ext(s.dir, "watchdog_trip") == "-");
    CHECK(pid_of(s.dir) == pid);
    REQUIRE(control(s.dir, "d"));
    CHECK(phase_becomes(s.dir, "down"));
  }
}

TEST_CASE("watchdog: sv down stops a double-forked daemon and a setsid() grandchild",
          "[supervise][tree][e2e]") {
  ServiceDir s;
  write_script(s / "run", hog("daemon ../daemon.pid") + "\n" +
                              "setsid " + hog("fork 1") + " &\necho $! > ../setsid.pid.tmp\n"
                              "mv ../setsid.pid.tmp ../setsid.pid\nexec sleep 30\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  REQUIRE(eventually(10s, [&] { return pid_in(s.tmp / "daemon.pid") && pid_in(s.tmp / "setsid.pid"); }));
  pid_t daemon = pid_in(s.tmp / "daemon.pid"), grand = pid_in(s.tmp / "setsid.pid");
  REQUIRE(eventually(5s, [&] { return svkit::descendants(grand).size() == 1; }));
  pid_t grandchild = svkit::descendants(grand)[0];
  CHECK(alive(daemon));
  CHECK(alive(grand));
  // All of them below supervise (the subreaper), in no process group of ./run's.
  auto below = svkit::descendants(sup.pid());
  for (pid_t p : {daemon, grand, grandchild})
    CHECK(std::find(below.begin(), below.end(), p) != below.end());
  CHECK(getpgid(daemon) != pid_of(s.dir));
  REQUIRE(control(s.dir, "d"));
  REQUIRE(phase_becomes(s.dir, "down"));
  CHECK(eventually(5s, [&] { return !alive(daemon) && !alive(grand) && !alive(grandchild); }));
  CHECK(eventually(5s, [&] { return svkit::descendants(sup.pid()).empty(); }));  // no zombie
  CHECK(sup.err().empty());
}

TEST_CASE("watchdog: a run that backgrounds its daemon and exits: warned, stopped, no duplicate",
          "[supervise][tree][e2e]") {
  ServiceDir s;
  write_file(s / "timeout-kill", "300\n");
  // The daemon ignores TERM (so KILL after timeout-kill is what ends it); a second copy
  // beside a live first one would be a duplicate.
  write_script(s / "run",
               "old=$(cat ../daemon.pid 2>/dev/null)\n"
               "[ -n \"$old\" ] && [ -d /proc/$old ] && echo dup >> ../dups\n"
               "echo x >> ../starts\n"
               "trap '' TERM\n" + hog("daemon ../daemon.pid") + "\nexit 0\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(20s, [&] { return lines_in(s.tmp / "starts") >= 3; }));
  CHECK_FALSE(svkit::test::exists(s.tmp / "dups"));
  std::string err = sup.err();
  CHECK(std::regex_search(err, std::regex("supervise " + s.str() +
                                          ": warning: run ended, leaving 1 processes \\([0-9]+\\): "
                                          "stopping them before the next start\n")));
  REQUIRE(control(s.dir, "d"));
  REQUIRE(phase_becomes(s.dir, "down"));
  CHECK(eventually(5s, [&] { return svkit::descendants(sup.pid()).empty(); }));
}

TEST_CASE("watchdog: 200 children are measured together and stopped whole",
          "[supervise][tree][watchdog][e2e]") {
  ServiceDir s;
  watch(s, "memory-limit", "100G\n");  // watched (sampled every 50 ms), never exceeded
  write_script(s / "run", "exec " + hog("fork 200") + "\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  std::vector<pid_t> tree;
  REQUIRE(eventually(30s, [&] { return (tree = svkit::descendants(pid)).size() == 200; }, 20ms));
  uint64_t rss = svkit::usage_of(tree).rss_bytes;
  REQUIRE(rss > 0);
  REQUIRE(control(s.dir, "d"));  // killed whole
  REQUIRE(phase_becomes(s.dir, "down"));
  CHECK(eventually(10s, [&] { return svkit::descendants(sup.pid()).empty(); }));
  CHECK_FALSE(alive(pid));
  for (pid_t p : tree) CHECK_FALSE(alive(p));
  // Measured together: a limit of half the children's memory trips, which needs the sum
  // of about 100 processes (one is far below it).
  write_file(s / "memory-limit", std::to_string(rss / 2) + "\n");
  REQUIRE(control(s.dir, "u"));
  REQUIRE(eventually(30s, [&] { return ext(s.dir, "watchdog_trip") != "-"; }));
  CHECK(std::regex_match(ext(s.dir, "reason"), std::regex("memory [0-9.]+[KMG] > [0-9.]+[KMG]")));
  REQUIRE(control(s.dir, "d"));
  REQUIRE(phase_becomes(s.dir, "down"));
  CHECK(eventually(10s, [&] { return svkit::descendants(sup.pid()).empty(); }));
}

TEST_CASE("watchdog: malformed limit files: one warning each, treated as absent",
          "[supervise][watchdog][e2e]") {
  ServiceDir s;
  write_file(s / "memory-limit", "12Q\n");
  write_file(s / "cpu-limit", "80\n");
  write_file(s / "watchdog-interval", "5\n");  // below 10 ms
  write_script(s / "run", "exec sleep 30\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  REQUIRE(phase_becomes(s.dir, "up"));
  REQUIRE(eventually(5s, [&] { return count_lines(sup.err()) >= 3; }));
  std::string err = sup.err();
  CHECK(count_lines(err) == 3);
  for (const char* f : {"memory-limit", "cpu-limit", "watchdog-interval"})
    CHECK(err.find("supervise " + s.str() + ": warning: ignoring malformed " + f + "\n") !=
          std::string::npos);
  auto e = ext_of(s.dir);
  CHECK(e["memory_limit"] == "-");
  CHECK(e["cpu_limit"] == "-");
  CHECK(e["watchdog_interval"] == "-");
  CHECK(sup.running());
}

TEST_CASE("watchdog: runit's sv and daemontools' svstat read a watched service unchanged",
          "[supervise][watchdog][interop][e2e]") {
  REQUIRE_ANCHOR("/usr/bin/sv");
  REQUIRE_ANCHOR("/usr/bin/svstat");
  ServiceDir s;
  watch(s, "memory-limit", "1G\n");
  write_file(s / "cpu-limit", "90 5\n");
  write_script(s / "run", "exec sleep 30\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  REQUIRE(phase_becomes(s.dir, "up"));
  CHECK(ext(s.dir, "memory_limit") == "1073741824");
  CHECK(ext(s.dir, "cpu_limit") == "90 5");
  RunOptions opt;
  opt.env["SVDIR"] = s.tmp.str();
  opt.cwd = s.tmp.str();
  auto r = run("/usr/bin/sv", {"status", "svc"}, opt);
  CHECK(r.code == 0);
  CHECK(r.out.rfind("run: svc: (pid " + std::to_string(pid) + ") ", 0) == 0);
  r = run("/usr/bin/svstat", {"svc"}, opt);
  CHECK(r.out.rfind("svc: up (pid " + std::to_string(pid) + ") ", 0) == 0);
  r = run("/usr/bin/sv", {"-w", "5", "down", "svc"}, opt);
  CHECK(r.out.rfind("ok: down: svc: ", 0) == 0);
}

TEST_CASE("watchdog: what ./alert leaves in the background is not measured as the service's",
          "[supervise][watchdog][e2e]") {
  ServiceDir s;
  write_file(s / "memory-limit", "16M\n");
  write_file(s / "watchdog-interval", "50\n");
  // The first run exits 3; its ./alert leaves a 48 MiB process behind (mail &); the second
  // run, a sleep, is well under the limit.
  write_script(s / "run", "echo >> ../starts\n[ $(wc -l < ../starts) -ge 2 ] && exec sleep 30\nexit 3\n");
  write_script(s / "alert", "echo \"$1\" >> ../alerts\n" + hog("mem 48") +
                                " > /dev/null 2>&1 &\necho $! > ../alert-bg\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return pid_in(s.tmp / "alert-bg") != 0; }));
  pid_t bg = pid_in(s.tmp / "alert-bg");
  REQUIRE(eventually(10s, [&] { return svkit::usage_of({bg}).rss_bytes > (32u << 20); }));
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "starts") == 2 && ext(s.dir, "phase") == "up"; }));
#if SVKIT_LINUX
  // Reparented to supervise (the subreaper), beside the service: below it, not the service's.
  std::vector<pid_t> below = svkit::descendants(sup.pid());
  REQUIRE(std::find(below.begin(), below.end(), bg) != below.end());
#endif
  // 20 samples of 50 ms: two over the limit in a row would trip.
  CHECK_FALSE(eventually(1s, [&] { return ext(s.dir, "watchdog_trip") != "-"; }));
  CHECK(lines_in(s.tmp / "starts") == 2);
  CHECK(read_file(s.tmp / "alerts") == "crash\n");
  CHECK(alive(bg));
  REQUIRE(control(s.dir, "d"));
  CHECK(phase_becomes(s.dir, "down"));
  ::kill(bg, SIGKILL);
}
