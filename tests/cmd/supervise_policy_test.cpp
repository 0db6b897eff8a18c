// SPDX-License-Identifier: MIT
// supervise's policy files end to end (man/supervise.8 "BEYOND RUNIT"): a real supervise,
// real services, svkit-status observed with deadlines. Not tested here: ./alert's 10 s
// kill (it would make the test 10 s long), dependencies (supervise_deps_test.cpp).
#include <signal.h>
#include <unistd.h>

#include <chrono>

#include "supervise_policy_fixture.hpp"
#include "svkit/platform.hpp"

using namespace svkit::test;
using namespace svkit::test::sup;
using namespace svkit::test::pol;

namespace {

std::string sigecho() { return "exec " + bin("sigecho") + " > ../sig\n"; }

// Has process PID a descriptor open on FILE (a /proc/PID/fd link text, e.g. "pipe:[123]")?
bool holds(pid_t pid, const std::string& file) {
  boost::system::error_code ec;
  for (fs::directory_iterator it(fs::path("/proc/" + std::to_string(pid) + "/fd"), ec), end;
       !ec && it != end; it.increment(ec)) {
    boost::system::error_code ec2;
    if (fs::read_symlink(it->path(), ec2).string() == file) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("supervise policy: svkit-status for a plain service, its log too", "[supervise][policy][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  make_dirs(s / "log");
  write_script(s / "log/run", "exec cat > /dev/null\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  REQUIRE(phase_becomes(s.dir, "up"));
  auto e = ext_of(s.dir);
  CHECK(e["ready"] == "-");
  CHECK(e["ready_since"] == "-");
  CHECK(e["restarts"] == "0");
  CHECK(e["last_exit"] == "- -");
  CHECK(e["backoff_until"] == "-");
  CHECK(read_file(s / "supervise/svkit-status").find("reason \nwaiting_for \n") != std::string::npos);
  CHECK(phase_becomes(s / "log", "up"));
  REQUIRE(control(s.dir, "k"));
  REQUIRE(wait_running(s.dir, pid, 5s));
  CHECK(eventually(5s, [&] { return ext(s.dir, "restarts") == "1"; }));
  CHECK(ext(s.dir, "last_exit") == "-1 9");
  REQUIRE(control(s.dir, "d"));
  CHECK(phase_becomes(s.dir, "down"));
  CHECK(ext(s.dir, "last_exit") == "-1 15");
  // None left behind (on Linux the old text is under .new between the exchange and the unlink).
  CHECK(eventually(2s, [&] { return !svkit::test::exists(s / "supervise/svkit-status.new"); }));
}

TEST_CASE("supervise policy: notification-fd: starting until the line, then up and ready",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "notification-fd", "4\n");
  write_script(s / "run", after_file("go", "echo ready >&4\nexec sleep 30\n"));
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  REQUIRE(phase_becomes(s.dir, "starting"));
  CHECK(ext(s.dir, "ready") == "0");
  // runit's view: running (stat is replaced right after svkit-status)
  CHECK(eventually(5s, [&] { return read_file(s / "supervise/stat") == "run\n"; }));
  // Until then supervise reads the other end of the service's fd 4.
  std::string waiting = fs::read_symlink("/proc/" + std::to_string(pid_of(s.dir)) + "/fd/4").string();
  CHECK(holds(sup.pid(), waiting));
  int64_t before = now_ms();
  touch(s.tmp / "go");
  REQUIRE(phase_becomes(s.dir, "up"));
  CHECK(ext(s.dir, "ready") == "1");
  double since = std::stod(ext(s.dir, "ready_since"));
  CHECK(since * 1000 >= before - 5);
  CHECK(since * 1000 <= now_ms() + 5);
  CHECK(sup.err().empty());
  // supervise closed its end: the pipe behind the service's fd 4 is nowhere in supervise.
  std::string pipe = fs::read_symlink("/proc/" + std::to_string(pid_of(s.dir)) + "/fd/4").string();
  REQUIRE(pipe.rfind("pipe:", 0) == 0);
  CHECK(eventually(5s, [&] { return !holds(sup.pid(), pipe); }));
}

TEST_CASE("supervise policy: notification-fd: a service that writes nothing stays not ready",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "notification-fd", "3");
  write_script(s / "run", "exec 3>&-\nexec sleep 30\n");  // closes it: end-of-file, never ready
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  REQUIRE(phase_becomes(s.dir, "starting"));
  CHECK(ext(s.dir, "ready") == "0");
}

TEST_CASE("supervise policy: malformed files: one warning each, treated as absent",
          "[supervise][policy][e2e]") {
  // Each malformed form of the issue (garbage, empty, huge, negative, a notification-fd
  // that collides with 0-2), written to every file with a value at once.
  const std::string huge(200, '9');
  struct Form {
    std::string fd, rest;
  };
  const std::vector<Form> forms = {
      {"0", "soon\n"}, {"1", "1e3\n"}, {"2", "-1\n"}, {"x", "x"}, {"", ""},
      {huge, huge}, {"-3\n", "-500\n"}, {"99999999999\n", "99999999999\n"},
      {"3 4\n", "500 100 7\n"}};
  const std::vector<std::string> files = {"timeout-kill", "down-signal", "restart-backoff",
                                          "restart-limit", "timeout-ready", "timeout-finish"};
  bool first = true;
  for (const Form& f : forms) {
    INFO("notification-fd \"" << f.fd << "\", the others \"" << f.rest << "\"");
    ServiceDir s;
    write_file(s / "notification-fd", f.fd);
    for (const auto& name : files) write_file(s / name, f.rest);
    write_script(s / "run", "echo >> ../starts\nexec sleep 30\n");
    Tool sup("supervise", {s.str()});
    REQUIRE(wait_running(s.dir));
    REQUIRE(phase_becomes(s.dir, "up"));  // no readiness: up at once
    CHECK(ext(s.dir, "ready") == "-");
    REQUIRE(eventually(5s, [&] { return count_lines(sup.err()) >= 7; }));
    std::string err = sup.err();
    CHECK(count_lines(err) == 7);
    CHECK(err.find("supervise " + s.str() + ": warning: ignoring malformed notification-fd\n") !=
          std::string::npos);
    for (const auto& name : files)
      CHECK(err.find("supervise " + s.str() + ": warning: ignoring malformed " + name + "\n") !=
            std::string::npos);
    if (first) {  // a restart reads the files again, but says nothing new
      first = false;
      REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "starts") == 1; }));  // not killed before
      pid_t pid = pid_of(s.dir);
      REQUIRE(control(s.dir, "k"));
      REQUIRE(wait_running(s.dir, pid, 5s));  // runit's throttle: restart-backoff is absent
      REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "starts") == 2; }));
      CHECK(count_lines(sup.err()) == 7);
    }
    REQUIRE(control(s.dir, "d"));  // TERM (down-signal ignored), no crash of supervise
    CHECK(phase_becomes(s.dir, "down"));
    CHECK(ext(s.dir, "last_exit") == "-1 15");
    CHECK(sup.running());
  }
}

TEST_CASE("supervise policy: check: polled until it exits 0, only without notification-fd",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  write_script(s / "check", "echo >> ../checks\n[ -e ../go ]\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  REQUIRE(phase_becomes(s.dir, "starting"));
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "checks") >= 3; }));
  touch(s.tmp / "go");
  REQUIRE(phase_becomes(s.dir, "up"));
  CHECK(ext(s.dir, "ready") == "1");
  size_t n = lines_in(s.tmp / "checks");
  CHECK_FALSE(eventually(300ms, [&] { return lines_in(s.tmp / "checks") > n; }));  // no more

  ServiceDir f;  // with notification-fd, ./check is not supervise's readiness
  write_file(f / "notification-fd", "3\n");
  write_script(f / "run", "exec sleep 30\n");
  write_script(f / "check", "echo >> ../checks\nexit 0\n");
  Tool sup2("supervise", {f.str()});
  REQUIRE(wait_running(f.dir));
  REQUIRE(phase_becomes(f.dir, "starting"));
  CHECK_FALSE(eventually(300ms, [&] { return svkit::test::exists(f.tmp / "checks"); }));
  CHECK(ext(f.dir, "phase") == "starting");
}

TEST_CASE("supervise policy: check: the interval doubles from 10 ms and stays at 1 s",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  write_script(s / "check", "date +%s%N >> ../checks\nexit 1\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(15s, [&] { return lines_in(s.tmp / "checks") >= 10; }));
  auto lines = split_lines(read_file(s.tmp / "checks"));
  std::vector<int64_t> gaps;  // from one check's start to the next: its run time + the interval
  for (size_t i = 1; i < 10; ++i)
    gaps.push_back((std::stoll(lines[i]) - std::stoll(lines[i - 1])) / 1000000);
  INFO("gaps " << gaps[0] << " " << gaps[1] << " " << gaps[2] << " " << gaps[3] << " " << gaps[4]
               << " " << gaps[5] << " " << gaps[6] << " " << gaps[7] << " " << gaps[8]);
  for (size_t i = 0; i < 6; ++i) CHECK(gaps[i] >= (20 << i));  // 20, 40, ... 640 ms
  for (size_t i = 6; i < 9; ++i) CHECK(gaps[i] >= 1000);       // then 1 s
  CHECK(gaps[7] < 1900);  // not 2.5 s: the interval stays at 1 s
  CHECK(gaps[8] < 1900);
  CHECK(ext(s.dir, "phase") == "starting");
}

TEST_CASE("supervise policy: timeout-ready: not ready in time is stopped, alerted, restarted",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "notification-fd", "3");
  write_file(s / "timeout-ready", "200");
  write_file(s / "restart-backoff", "100 100");
  write_script(s / "run", "echo >> ../starts\nexec sleep 30\n");
  write_script(s / "alert", "echo \"$@\" >> ../alerts\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(10s, [&] { return lines_in(s.tmp / "starts") >= 2; }));
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "alerts") >= 2; }));
  // Each stopped run is reported as unready, not as a crash as well (it exits by TERM).
  for (const auto& line : split_lines(read_file(s.tmp / "alerts"))) CHECK(line == "unready svc 0 0");
  CHECK(eventually(5s, [&] { return ext(s.dir, "reason") == "not ready in 200 ms"; }));
}

TEST_CASE("supervise policy: timeout-ready reaches a paused service (CONT follows the signal)",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "notification-fd", "3");
  write_file(s / "timeout-ready", "300");
  write_file(s / "restart-backoff", "60000 60000\n");
  write_script(s / "run", "exec sleep 30\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  REQUIRE(control(s.dir, "p"));
  REQUIRE(stat_becomes(s.dir, "run, paused"));
  REQUIRE(phase_becomes(s.dir, "backoff", 5s));  // not stuck in stopping
  CHECK(ext(s.dir, "last_exit") == "-1 15");
}

TEST_CASE("supervise policy: timeout-ready stops with the down signal, escalated by timeout-kill",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "notification-fd", "3");
  write_file(s / "timeout-ready", "200");
  write_file(s / "down-signal", "USR1\n");
  write_file(s / "timeout-kill", "300\n");
  write_file(s / "restart-backoff", "60000 60000\n");  // one run only in this test
  write_script(s / "run", sigecho());  // never ready; reports and ignores USR1 (and CONT)
  Tool sup("supervise", {s.str()});
  REQUIRE(phase_becomes(s.dir, "starting"));
  REQUIRE(phase_becomes(s.dir, "backoff", 10s));
  CHECK(ext(s.dir, "last_exit") == "-1 9");  // USR1 ignored: KILL after timeout-kill
  auto lines = split_lines(read_file(s.tmp / "sig"));
  REQUIRE(lines.size() >= 2);
  CHECK(lines[1] == std::to_string(SIGUSR1));
  for (size_t i = 1; i < lines.size(); ++i) CHECK(lines[i] != std::to_string(SIGTERM));
  CHECK(ext(s.dir, "reason") == "not ready in 200 ms");
}

TEST_CASE("supervise policy: down-signal replaces TERM for d, not for t", "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "down-signal", "SIGHUP\n");
  write_script(s / "run", sigecho());
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "sig") >= 1; }));
  REQUIRE(control(s.dir, "d"));
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "sig") >= 3; }));
  auto lines = split_lines(read_file(s.tmp / "sig"));
  CHECK(lines[1] == std::to_string(SIGHUP));
  CHECK(lines[2] == std::to_string(SIGCONT));
  CHECK(stat_becomes(s.dir, "run, got TERM, want down"));
  CHECK(phase_becomes(s.dir, "stopping"));
  REQUIRE(control(s.dir, "t"));  // t is TERM, whatever down-signal says
  CHECK(phase_becomes(s.dir, "down"));
  CHECK(ext(s.dir, "last_exit") == "0 0");
}

TEST_CASE("supervise policy: timeout-kill: KILL to the whole group after the down signal",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "timeout-kill", "300\n");
  write_script(s / "run", "trap '' TERM\nsleep 30 &\necho $! > ../child\nexec sleep 31\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  REQUIRE(eventually(5s, [&] { return !read_file(s.tmp / "child").empty() && comm_of(pid_of(s.dir)) == "sleep"; }));
  pid_t child = std::stoi(read_file(s.tmp / "child"));
  // svkit-status follows status: wait until it says up, or "down" below could be the old one.
  REQUIRE(phase_becomes(s.dir, "up", 5s));
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(control(s.dir, "d"));
  REQUIRE(phase_becomes(s.dir, "down", 5s));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= 290ms);
  CHECK(ext(s.dir, "last_exit") == "-1 9");
  CHECK(eventually(2s, [&] { return !process_alive(child); }));  // the group, not just the pid
}

TEST_CASE("supervise policy: without timeout-kill a TERM-ignoring service keeps running",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_term_ignoring_run(s);
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_term_ignoring(s);
  REQUIRE(pid);
  REQUIRE(control(s.dir, "d"));
  REQUIRE(phase_becomes(s.dir, "stopping"));
  CHECK_FALSE(eventually(500ms, [&] { return !process_alive(pid); }));
}

TEST_CASE("supervise policy: timeout-finish kills a hanging ./finish", "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "timeout-finish", "200");
  write_script(s / "run", "exec sleep 30\n");
  write_script(s / "finish", "echo $$ > ../finish\nexec sleep 30\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  REQUIRE(control(s.dir, "d"));
  REQUIRE(phase_becomes(s.dir, "finishing"));
  REQUIRE(eventually(5s, [&] { return !read_file(s.tmp / "finish").empty(); }));
  CHECK(phase_becomes(s.dir, "down", 3s));
  CHECK(stat_becomes(s.dir, "down"));
}

TEST_CASE("supervise policy: restart-backoff doubles the wait, u starts at once",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "restart-backoff", "100 400\n");
  write_script(s / "run", "date +%s%N >> ../starts\nexit 1\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(10s, [&] { return lines_in(s.tmp / "starts") >= 5; }));
  auto lines = split_lines(read_file(s.tmp / "starts"));
  std::vector<int64_t> gaps;
  for (size_t i = 1; i < 5; ++i)
    gaps.push_back((std::stoll(lines[i]) - std::stoll(lines[i - 1])) / 1000000);
  CHECK(gaps[0] >= 95);
  CHECK(gaps[1] >= 195);
  CHECK(gaps[2] >= 395);
  CHECK(gaps[3] >= 395);
  CHECK(gaps[3] < 1500);
  sup.signal(SIGKILL);
  sup.wait_exit(5s);

  ServiceDir w;  // a long wait, cut short by u
  write_file(w / "restart-backoff", "60000 60000\n");
  write_script(w / "run", "echo >> ../starts\nexit 1\n");
  Tool sup2("supervise", {w.str()});
  REQUIRE(phase_becomes(w.dir, "backoff"));
  CHECK(ext(w.dir, "reason") == "exit 1, restart-backoff");
  double until = std::stod(ext(w.dir, "backoff_until"));
  CHECK(until * 1000 > now_ms() + 50000);
  CHECK(lines_in(w.tmp / "starts") == 1);
  REQUIRE(control(w.dir, "u"));
  CHECK(eventually(5s, [&] { return lines_in(w.tmp / "starts") == 2; }));
}

TEST_CASE("supervise policy: restart-backoff: a run up (and ready) for MAX_MS resets the wait",
          "[supervise][policy][e2e]") {
  // Runs 1-3 exit at once (waits 100, 200, 400 ms); run 4 stays up for 1.6 s, longer than
  // MAX (1500), then exits: the next wait is INITIAL again (it would be 800 otherwise).
  ServiceDir s;
  write_file(s / "restart-backoff", "100 1500\n");
  write_script(s / "run",
               "date +%s%N >> ../starts\nn=$(wc -l < ../starts)\n"
               "[ \"$n\" -eq 4 ] && { sleep 1.6; date +%s%N > ../end; }\n"
               "[ \"$n\" -ge 5 ] && exec sleep 30\nexit 1\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(15s, [&] { return lines_in(s.tmp / "starts") >= 5; }));
  auto lines = split_lines(read_file(s.tmp / "starts"));
  int64_t gap = (std::stoll(lines[4]) - std::stoll(read_file(s.tmp / "end"))) / 1000000;
  CHECK(gap >= 95);
  CHECK(gap < 600);
  sup.signal(SIGKILL);
  sup.wait_exit(5s);

  // With readiness the time counts from ready: a run up 0.6 s but never ready (MAX 400)
  // does not reset the wait (400 after three quick exits; 100 if it were reset).
  ServiceDir r;
  write_file(r / "restart-backoff", "100 400\n");
  write_file(r / "notification-fd", "3\n");
  write_script(r / "run",
               "date +%s%N >> ../starts\nn=$(wc -l < ../starts)\n"
               "[ \"$n\" -eq 4 ] && { sleep 0.6; date +%s%N > ../end; }\n"
               "[ \"$n\" -ge 5 ] && exec sleep 30\nexit 1\n");
  Tool sup2("supervise", {r.str()});
  REQUIRE(eventually(15s, [&] { return lines_in(r.tmp / "starts") >= 5; }));
  lines = split_lines(read_file(r.tmp / "starts"));
  gap = (std::stoll(lines[4]) - std::stoll(read_file(r.tmp / "end"))) / 1000000;
  CHECK(gap >= 390);
}

TEST_CASE("supervise policy: without restart-backoff runit's one start per second stays",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_script(s / "run", "date +%s%N >> ../starts\nexit 1\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(phase_becomes(s.dir, "backoff"));  // the throttle shows as a back-off wait
  CHECK(ext(s.dir, "reason") == "exit 1, one start per second");
  double until = std::stod(ext(s.dir, "backoff_until"));
  CHECK(until * 1000 > now_ms() + 100);
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "starts") >= 2; }));
  auto lines = split_lines(read_file(s.tmp / "starts"));
  // Stamped by the run scripts, so a loaded machine can delay the first stamp a little.
  CHECK((std::stoll(lines[1]) - std::stoll(lines[0])) / 1000000 >= 800);
}

TEST_CASE("supervise policy: restart-limit puts the service into failed, u clears it",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "restart-limit", "3 60\n");
  write_file(s / "restart-backoff", "10 10\n");
  write_script(s / "run", "echo >> ../starts\nexit 2\n");
  write_script(s / "alert", "echo \"$@\" >> ../alerts\necho said $1\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(phase_becomes(s.dir, "failed"));
  CHECK(ext(s.dir, "reason") == "3 exits in 60 s");
  CHECK(ext(s.dir, "last_exit") == "2 0");
  CHECK(lines_in(s.tmp / "starts") == 3);
  CHECK(stat_becomes(s.dir, "down"));  // runit's view: down, want up
  CHECK_FALSE(eventually(300ms, [&] { return lines_in(s.tmp / "starts") > 3; }));
  REQUIRE(eventually(5s, [&] { return read_file(s.tmp / "alerts").find("failed") != std::string::npos; }));
  auto alerts = split_lines(read_file(s.tmp / "alerts"));
  CHECK(alerts.front() == "crash svc 2 0");
  CHECK(alerts.back() == "failed svc 2 0");
  CHECK(alerts.size() <= 4);                                   // crashes coalesced meanwhile
  CHECK(eventually(2s, [&] { return sup.err().find("said failed\n") != std::string::npos; }));
  REQUIRE(control(s.dir, "u"));
  // Three fresh exits. (Waiting for the phase alone could see the failed of before.)
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "starts") >= 6; }));
  CHECK(phase_becomes(s.dir, "failed"));
  CHECK_FALSE(eventually(300ms, [&] { return lines_in(s.tmp / "starts") > 6; }));
  REQUIRE(control(s.dir, "o"));  // once clears it too: one run, then down (want down)
  CHECK(eventually(5s, [&] { return lines_in(s.tmp / "starts") == 7; }));
  CHECK(phase_becomes(s.dir, "down"));
  CHECK_FALSE(eventually(300ms, [&] { return lines_in(s.tmp / "starts") > 7; }));
  CHECK(ext(s.dir, "phase") == "down");
}

TEST_CASE("supervise policy: alert: one at a time, coalesced, killed after 10 s, never blocking",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "restart-backoff", "20 20\n");
  // Runs 1-4 exit 3; later runs stay up.
  write_script(s / "run", "echo >> ../starts\n[ $(wc -l < ../starts) -ge 5 ] && exec sleep 30\nexit 3\n");
  // The first ./alert hangs (its process group is what supervise kills); later ones return.
  write_script(s / "alert",
               "echo \"$* $$\" >> ../alerts\necho said $1\n"
               "[ -e ../hung ] && exit 0\n: > ../hung\nsleep 60 & echo $! > ../alert-sleep\nwait\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "alerts") >= 1; }));
  auto t0 = std::chrono::steady_clock::now();
  auto first = split_lines(read_file(s.tmp / "alerts"))[0];
  CHECK(first.rfind("crash svc 3 0 ", 0) == 0);
  pid_t alert = std::stoi(first.substr(first.rfind(' ') + 1));
  // Supervision goes on while ./alert runs: the crashes are restarted, the fifth run stays.
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "starts") == 5 && ext(s.dir, "phase") == "up"; }));
  CHECK(process_alive(alert));
  CHECK(lines_in(s.tmp / "alerts") == 1);  // the crashes meanwhile wait: one ./alert at a time
  REQUIRE(control(s.dir, "p"));            // control bytes are served meanwhile too
  CHECK(stat_becomes(s.dir, "run, paused"));
  REQUIRE(control(s.dir, "c"));
  CHECK(stat_becomes(s.dir, "run"));
  REQUIRE(eventually(5s, [&] { return !read_file(s.tmp / "alert-sleep").empty(); }));
  pid_t sleeper = std::stoi(read_file(s.tmp / "alert-sleep"));
  // Killed after 10 s (its group: the sleep too); then one run for the coalesced crashes.
  REQUIRE(eventually(15s, [&] { return !process_alive(alert); }));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= 9s);  // t0 is a little after its start (the line it wrote)
  CHECK(took < 13s);
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "alerts") >= 2; }));
  CHECK_FALSE(eventually(300ms, [&] { return lines_in(s.tmp / "alerts") > 2; }));
  auto alerts = split_lines(read_file(s.tmp / "alerts"));
  CHECK(alerts[1].rfind("crash svc 3 0 ", 0) == 0);
  CHECK(eventually(2s, [&] { return !process_alive(sleeper); }));
  // A run killed by a signal: EXITCODE -1 (as ./finish's first argument), SIGNAL 9.
  pid_t pid = pid_of(s.dir);
  REQUIRE(control(s.dir, "k"));
  REQUIRE(wait_running(s.dir, pid, 5s));
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "alerts") >= 3; }));
  CHECK(split_lines(read_file(s.tmp / "alerts"))[2].rfind("crash svc -1 9 ", 0) == 0);
  // Its output goes where the service's standard error goes (supervise's here).
  CHECK(eventually(2s, [&] { return count_lines(sup.err()) == 3; }));
  CHECK(sup.err() == "said crash\nsaid crash\nsaid crash\n");
}

TEST_CASE("supervise policy: SVKIT_SCANDIR is not passed on to the service",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_script(s / "run", "env > ../env\nexec sleep 30\n");
  RunOptions o;
  o.env["SVKIT_SCANDIR"] = s.tmp.str();
  Tool sup("supervise", {s.str()}, o);
  REQUIRE(eventually(5s, [&] { return read_file(s.tmp / "env").find("PATH=") != std::string::npos; }));
  CHECK(read_file(s.tmp / "env").find("SVKIT_SCANDIR") == std::string::npos);
}

TEST_CASE("supervise policy: timeout-ready's stops count as exits for restart-limit",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "notification-fd", "3");
  write_file(s / "timeout-ready", "100");
  write_file(s / "restart-backoff", "10 10\n");
  write_file(s / "restart-limit", "2 60\n");
  write_script(s / "run", "echo >> ../starts\nexec sleep 30\n");  // never ready
  Tool sup("supervise", {s.str()});
  REQUIRE(phase_becomes(s.dir, "failed", 10s));
  CHECK(ext(s.dir, "reason") == "2 exits in 60 s");
  CHECK(lines_in(s.tmp / "starts") == 2);
  CHECK(ext(s.dir, "last_exit") == "-1 15");
}

TEST_CASE("supervise policy: a ./check or ./alert that is not executable is not used",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_file(s / "check", "#!/bin/sh\nexit 1\n");  // mode 0644: not a readiness check
  write_file(s / "alert", "#!/bin/sh\necho alerted >> ../alerts\n");
  write_script(s / "run", "echo >> ../starts\n[ $(wc -l < ../starts) -ge 2 ] && exec sleep 30\nexit 5\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "starts") == 2; }));  // a crash, then up
  REQUIRE(phase_becomes(s.dir, "up"));
  CHECK(ext(s.dir, "ready") == "-");
  CHECK(ext(s.dir, "last_exit") == "5 0");
  CHECK_FALSE(svkit::test::exists(s.tmp / "alerts"));
  CHECK(sup.err().empty());
}

namespace {
pid_t ppid_of(pid_t pid) {  // /proc/PID/stat field 4; 0 when gone
  std::string st = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = st.rfind(')');
  if (close == std::string::npos || close + 4 >= st.size()) return 0;
  return std::stoi(st.substr(st.find(' ', close + 2) + 1));
}
}  // namespace

TEST_CASE("supervise policy: what ./alert leaves in the background is not the service's",
          "[supervise][policy][e2e]") {
  ServiceDir s;
  write_script(s / "run", "echo >> ../starts\n[ $(wc -l < ../starts) -ge 2 ] && exec sleep 30\nexit 3\n");
  write_script(s / "alert", "sleep 20 > /dev/null 2>&1 &\necho $! > ../alert-bg\n");  // mail &
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return !read_file(s.tmp / "alert-bg").empty(); }));
  pid_t bg = std::stoi(read_file(s.tmp / "alert-bg"));
#if SVKIT_LINUX
  // ./alert ended: its sleep is now supervise's child (the subreaper), beside the service.
  // (A POSIX-only build has no subreaper: it goes to init, out of the tree anyway.)
  REQUIRE(eventually(5s, [&] { return ppid_of(bg) == sup.pid(); }));
#else
  (void)ppid_of;
#endif
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "starts") == 2 && ext(s.dir, "phase") == "up"; }));
  REQUIRE(control(s.dir, "d"));  // the service's tree gets TERM, the alert's sleep does not
  REQUIRE(phase_becomes(s.dir, "down"));
  CHECK_FALSE(eventually(300ms, [&] { return !process_alive(bg); }));
  REQUIRE(control(s.dir, "u"));  // and it holds up no start
  CHECK(eventually(5s, [&] { return lines_in(s.tmp / "starts") == 3; }));
  CHECK(sup.err().find("leaving") == std::string::npos);
  ::kill(bg, SIGKILL);
}
