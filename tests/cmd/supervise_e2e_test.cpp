// SPDX-License-Identifier: MIT
// supervise end-to-end: a real supervise on a service directory in a temp dir.
// Not tested here: behaviour as PID 1, fork failure, a full disk under supervise/,
// a hung control/X script (supervise waits for it, as runsv does).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "supervise_fixture.hpp"

using namespace svkit::test;
using namespace svkit::test::sup;
using svkit::RunState;
using svkit::Want;

namespace {

std::vector<long> numbers(const std::string& text) {
  std::vector<long> out;
  for (const auto& l : split_lines(text)) out.push_back(std::stol(l));
  return out;
}

bool is_sequence(const std::vector<long>& v, long n) {
  if (static_cast<long>(v.size()) != n) return false;
  for (long i = 0; i < n; ++i)
    if (v[static_cast<size_t>(i)] != i) return false;
  return true;
}

std::string svlogd() { return have("/usr/bin/svlogd") ? "/usr/bin/svlogd" : bin("svlogd"); }

}  // namespace

TEST_CASE("supervise: usage error exits 100 with one line", "[supervise][e2e]") {
  auto r = run("supervise", {});
  CHECK(r.code == 100);
  CHECK(r.err == "supervise: usage: supervise dir\n");
  CHECK(run("supervise", {"a", "b"}).code == 100);
}

TEST_CASE("supervise: missing directory is fatal 111", "[supervise][e2e]") {
  TempDir t;
  auto r = run("supervise", {(t / "nosuch").string()});
  CHECK(r.code == 111);
  CHECK(r.err == "supervise " + (t / "nosuch").string() +
                     ": fatal: unable to change to directory: file does not exist\n");
}

TEST_CASE("supervise: creates supervise/ with runsv's files and modes", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 5\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return supervised(s.dir); }));
  struct stat st;
  REQUIRE(::stat((s / "supervise").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  for (const char* fifo : {"control", "ok"}) {
    REQUIRE(::stat((s / "supervise" / fifo).c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));
    CHECK((st.st_mode & 0777) == 0600);
  }
  REQUIRE(::stat((s / "supervise/lock").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(wait_running(s.dir));
  CHECK(read_file(s / "supervise/status").size() == 20);
  CHECK(read_file(s / "supervise/pid") == std::to_string(pid_of(s.dir)) + "\n");
  CHECK(stat_becomes(s.dir, "run"));
}

TEST_CASE("supervise: restarts run at most once per second", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "date +%s%N >> ../starts\nexit 0\n");
  auto t0 = std::chrono::steady_clock::now();
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(6s, [&] { return lines_in(s.tmp / "starts") >= 3; }));
  // Three starts need two full throttle periods (measured by supervise from each start).
  CHECK(std::chrono::steady_clock::now() - t0 >= 1950ms);
  // Seen from inside run, process start-up jitter blurs the gaps a little.
  auto t = numbers(read_file(s.tmp / "starts"));
  for (size_t i = 1; i < t.size(); ++i) CHECK(t[i] - t[i - 1] >= 800'000'000L);
  CHECK(sup.running());
}

TEST_CASE("supervise: finish gets exit code and wait status low byte", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exit 3\n");
  write_script(s / "finish", "echo \"$@\" >> ../args\n");
  write_file(s / "down", "");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return supervised(s.dir); }));
  REQUIRE(control(s.dir, "o"));
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "args") == 1; }));
  CHECK(read_file(s.tmp / "args") == "3 0\n");
  CHECK(stat_becomes(s.dir, "down"));
}

TEST_CASE("supervise: finish after kill -9 gets -1 9, state finish meanwhile",
          "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 5\n");
  write_script(s / "finish", "echo \"$@\" >> ../args\nexec sleep 0.5\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  REQUIRE(control(s.dir, "d"));
  REQUIRE(stat_becomes(s.dir, "finish, want down"));
  auto st = status_of(s.dir);
  REQUIRE(st);
  CHECK(st->state == RunState::finish);
  CHECK(st->pid != 0);
  CHECK(st->pid != pid);
  CHECK(stat_becomes(s.dir, "down"));
  CHECK(read_file(s.tmp / "args") == "-1 15\n");
  REQUIRE(control(s.dir, "u"));
  pid = wait_running(s.dir);
  REQUIRE(pid);
  ::kill(pid, SIGKILL);
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "args") == 2; }));
  CHECK(split_lines(read_file(s.tmp / "args"))[1] == "-1 9");
}

TEST_CASE("supervise: down file means want down, nothing started", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "touch ../started\nexec sleep 5\n");
  write_file(s / "down", "");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return supervised(s.dir); }));
  auto st = status_of(s.dir);
  REQUIRE(st);
  CHECK(st->want == Want::down);
  CHECK(st->pid == 0);
  CHECK(stat_becomes(s.dir, "down"));
  CHECK(read_file(s / "supervise/pid").empty());
  CHECK_FALSE(svkit::test::exists(s.tmp / "started"));
  REQUIRE(control(s.dir, "u"));
  CHECK(wait_running(s.dir));
  CHECK(eventually(5s, [&] { return svkit::test::exists(s.tmp / "started"); }));
  CHECK(status_of(s.dir)->want == Want::up);
}

TEST_CASE("supervise: d sets want down and got TERM while the TERM is ignored",
          "[supervise][e2e]") {
  ServiceDir s;
  write_term_ignoring_run(s);
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_term_ignoring(s);
  REQUIRE(pid);
  REQUIRE(control(s.dir, "d"));
  REQUIRE(stat_becomes(s.dir, "run, got TERM, want down"));
  auto st = status_of(s.dir);
  CHECK(st->want == Want::down);
  CHECK(st->got_term);
  CHECK(st->pid == pid);
  REQUIRE(control(s.dir, "k"));
  REQUIRE(stat_becomes(s.dir, "down"));
  st = status_of(s.dir);
  CHECK_FALSE(st->got_term);
  CHECK(st->pid == 0);
  CHECK(read_file(s / "supervise/pid").empty());
}

TEST_CASE("supervise: x shows want exit, then exits once the service is down",
          "[supervise][e2e]") {
  ServiceDir s;
  write_term_ignoring_run(s);
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_term_ignoring(s);
  REQUIRE(pid);
  REQUIRE(control(s.dir, "x"));
  REQUIRE(stat_becomes(s.dir, "run, got TERM, want exit"));
  CHECK(status_of(s.dir)->want == Want::down);  // runit writes 'd' for exit
  REQUIRE(control(s.dir, "k"));
  CHECK(sup.wait_exit(5s) == 0);
  CHECK_FALSE(supervised(s.dir));
}

TEST_CASE("supervise: o runs once, u restarts, p/c set and clear paused", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "echo x >> ../starts\nexec sleep 1\n");
  write_file(s / "down", "");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return supervised(s.dir); }));
  REQUIRE(control(s.dir, "o"));
  REQUIRE(wait_running(s.dir));
  CHECK(stat_becomes(s.dir, "run, want down"));
  CHECK(status_of(s.dir)->want == Want::down);
  REQUIRE(stat_becomes(s.dir, "down"));
  CHECK(lines_in(s.tmp / "starts") == 1);
  REQUIRE(control(s.dir, "p"));
  REQUIRE(eventually(5s, [&] { return status_of(s.dir)->paused; }));
  REQUIRE(control(s.dir, "c"));
  REQUIRE(eventually(5s, [&] { return !status_of(s.dir)->paused; }));
  REQUIRE(control(s.dir, "u"));
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "starts") >= 3; }));
}

TEST_CASE("supervise: p stops and c continues the service", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 5\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  auto state = [&] {
    auto st = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = st.rfind(')');
    return close == std::string::npos ? '?' : st[close + 2];
  };
  REQUIRE(control(s.dir, "p"));
  CHECK(eventually(5s, [&] { return state() == 'T'; }));
  CHECK(stat_becomes(s.dir, "run, paused"));
  REQUIRE(control(s.dir, "c"));
  CHECK(eventually(5s, [&] { return state() == 'S'; }));
  CHECK(stat_becomes(s.dir, "run"));
}

TEST_CASE("supervise: h a i q 1 2 deliver their signals, t restarts", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec " + bin("sigecho") + " > ../sig\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "sig") == 1; }));
  const std::pair<char, int> table[] = {{'h', SIGHUP},  {'a', SIGALRM}, {'i', SIGINT},
                                        {'q', SIGQUIT}, {'1', SIGUSR1}, {'2', SIGUSR2}};
  size_t n = 1;
  for (auto [byte, sig] : table) {
    INFO("byte " << byte);
    REQUIRE(control(s.dir, std::string(1, byte)));
    REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "sig") == n + 1; }));
    CHECK(split_lines(read_file(s.tmp / "sig"))[n] == std::to_string(sig));
    ++n;
  }
  CHECK(pid_of(s.dir) == pid);
  REQUIRE(control(s.dir, "t"));
  CHECK(wait_running(s.dir, pid));
}

TEST_CASE("supervise: control/u runs before each start, control/t can swallow TERM",
          "[supervise][e2e]") {
  ServiceDir s;
  make_dirs(s / "control");
  write_script(s / "run", "exec " + bin("sigecho") + " > ../sig\n");
  write_script(s / "control/u", "echo u >> ../ctl\n");
  write_script(s / "control/t", "echo t >> ../ctl\nexit 0\n");
  write_script(s / "control/d", "echo d >> ../ctl\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  // A CONT that comes before sigecho has blocked its signals is lost (a running process
  // ignores it): send nothing until it has said it listens.
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "sig") == 1; }));
  CHECK(read_file(s.tmp / "ctl") == "u\n");
  REQUIRE(control(s.dir, "t"));
  REQUIRE(eventually(5s, [&] { return read_file(s.tmp / "ctl") == "u\nt\n"; }));
  CHECK(pid_of(s.dir) == pid);
  REQUIRE(control(s.dir, "d"));
  REQUIRE(eventually(5s, [&] { return read_file(s.tmp / "ctl") == "u\nt\nt\nd\n"; }));
  CHECK(stat_becomes(s.dir, "run, want down"));  // TERM suppressed: no got TERM
  CHECK(pid_of(s.dir) == pid);
  INFO("sigecho wrote: " << read_file(s.tmp / "sig"));
  CHECK(eventually(5s, [&] {
    auto lines = split_lines(read_file(s.tmp / "sig"));
    return !lines.empty() && lines.back() == std::to_string(SIGCONT);
  }));
}

TEST_CASE("supervise: control/h exiting 1 lets the HUP through", "[supervise][e2e]") {
  ServiceDir s;
  make_dirs(s / "control");
  write_script(s / "run", "exec " + bin("sigecho") + " > ../sig\n");
  write_script(s / "control/h", "echo h >> ../ctl\nexit 1\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "sig") == 1; }));
  REQUIRE(control(s.dir, "h"));
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "sig") == 2; }));
  CHECK(read_file(s.tmp / "ctl") == "h\n");
  CHECK(split_lines(read_file(s.tmp / "sig"))[1] == std::to_string(SIGHUP));
}

TEST_CASE("supervise: ./run starts with a clean process state", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 5\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  std::string proc = "/proc/" + std::to_string(pid);
  // Wait until the shell has exec'd sleep, then look at it from outside.
  REQUIRE(eventually(5s, [&] { return read_file(proc + "/comm") == "sleep\n"; }));
  auto status = read_file(proc + "/status");
  CHECK(status.find("SigBlk:\t0000000000000000") != std::string::npos);
  CHECK(status.find("SigIgn:\t0000000000000000") != std::string::npos);
  // sleep itself opens locale files for a moment at start-up; a leak would stay.
  auto fds = [&] {
    std::set<std::string> out;
    boost::system::error_code ec;
    for (fs::directory_iterator e(proc + "/fd", ec), end; !ec && e != end; e.increment(ec))
      out.insert(e->path().filename().string());
    return out;
  };
  CHECK(eventually(3s, [&] { return fds() == std::set<std::string>{"0", "1", "2"}; }));
  CHECK(::getpgid(pid) == pid);
  CHECK(::getsid(pid) == pid);
}

TEST_CASE("supervise: d stops the whole process group", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "sleep 30 &\necho $! > ../bg\nexec sleep 30\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "bg") == 1; }));
  pid_t bg = std::stoi(read_file(s.tmp / "bg"));
  REQUIRE(process_alive(bg));
  REQUIRE(control(s.dir, "d"));
  CHECK(stat_becomes(s.dir, "down"));
  CHECK(eventually(5s, [&] { return !process_alive(bg); }));
}

TEST_CASE("supervise: SIGTERM stops the service group and exits 0", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "sleep 30 &\necho $! > ../bg\nexec sleep 30\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  REQUIRE(eventually(5s, [&] { return lines_in(s.tmp / "bg") == 1; }));
  pid_t bg = std::stoi(read_file(s.tmp / "bg"));
  sup.signal(SIGTERM);
  CHECK(sup.wait_exit(5s) == 0);
  CHECK(eventually(5s, [&] { return !process_alive(pid) && !process_alive(bg); }));
}

TEST_CASE("supervise: a second supervise fails on the lock, status untouched",
          "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 5\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  auto before = read_file(s / "supervise/status");
  auto r = run("supervise", {s.str()});
  CHECK(r.code == 111);
  CHECK(r.err == "supervise " + s.str() +
                     ": fatal: unable to lock supervise/lock: temporary failure\n");
  CHECK(read_file(s / "supervise/status") == before);
  CHECK(sup.running());
}

TEST_CASE("supervise: garbage and oversized control writes are ignored", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 5\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  std::string junk;
  for (int i = 0; i < 200000; ++i) {
    char c = static_cast<char>((i * 7919) % 256);
    if (std::string("udoxtkpchaiq12").find(c) == std::string::npos) junk += c;
  }
  auto before = read_file(s / "supervise/status");
  for (size_t off = 0; off < junk.size(); off += 30000) control(s.dir, junk.substr(off, 30000));
  // A command after the garbage is still understood: p shows up in status.
  REQUIRE(eventually(5s, [&] { return control(s.dir, "p"); }));
  CHECK(stat_becomes(s.dir, "run, paused"));
  CHECK(pid_of(s.dir) == pid);
  CHECK(read_file(s / "supervise/status").substr(0, 16) == before.substr(0, 16));
  CHECK(sup.running());
}

TEST_CASE("supervise: missing ./run warns and retries about once per second",
          "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "finish", "echo \"$@\" >> ../args\n");
  auto t0 = std::chrono::steady_clock::now();
  Tool sup("supervise", {s.str()});
  const std::string warning =
      "supervise " + s.str() + ": warning: unable to start ./run: file does not exist\n";
  REQUIRE(eventually(6s, [&] { return count_lines(sup.err()) >= 3; }));
  auto elapsed = std::chrono::steady_clock::now() - t0;
  CHECK(elapsed >= 1800ms);  // three attempts take two throttle periods
  auto lines = split_lines(sup.err());
  CHECK(lines[0] + "\n" == warning);
  CHECK(split_lines(read_file(s.tmp / "args"))[0] == "111 0");
  CHECK(sup.running());
}

TEST_CASE("supervise: non-executable ./run warns access denied", "[supervise][e2e]") {
  ServiceDir s;
  write_file(s / "run", "#!/bin/sh\nexit 0\n", 0644);
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return count_lines(sup.err()) >= 1; }));
  CHECK(sup.err().find("warning: unable to start ./run: access denied\n") != std::string::npos);
  write_file(s / "run", "#!/bin/sh\nexec sleep 5\n", 0755);
  CHECK(wait_running(s.dir));
}

TEST_CASE("supervise: dangling supervise symlink gets its target created", "[supervise][e2e]") {
  ServiceDir s;
  make_dirs(s.tmp / "state");
  REQUIRE(::symlink("../state/svc", (s / "supervise").c_str()) == 0);
  write_script(s / "run", "exec sleep 5\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  CHECK(read_file(s.tmp / "state/svc/status").size() == 20);
}

TEST_CASE("supervise: log/run gets run's output through a pipe", "[supervise][e2e]") {
  ServiceDir s;
  make_dirs(s / "log");
  write_script(s / "run", "echo hello\nexec sleep 5\n");
  write_script(s / "log/run", "exec cat > ../../out\n");
  Tool sup("supervise", {s.str()});
  CHECK(eventually(5s, [&] { return read_file(s.tmp / "out") == "hello\n"; }));
  CHECK(read_file(s / "log/supervise/stat") == "run\n");
  CHECK(read_file(s / "log/supervise/status").size() == 20);
  CHECK(supervised(s / "log"));
}

TEST_CASE("supervise: no line lost or doubled across a log/run restart", "[supervise][e2e]") {
  ServiceDir s;
  make_dirs(s / "log/main");
  write_script(s / "run",
               "i=0; while [ $i -lt 300 ]; do echo $i; i=$((i+1)); sleep 0.005; done\n"
               "exec sleep 30\n");
  write_script(s / "log/run", "exec " + svlogd() + " main\n");
  Tool sup("supervise", {s.str()});
  auto current = [&] { return read_file(s / "log/main/current"); };
  REQUIRE(eventually(5s, [&] { return count_lines(current()) >= 50; }));
  pid_t logger = pid_of(s / "log");
  REQUIRE(control(s / "log", "t"));
  REQUIRE(wait_running(s / "log", logger));
  REQUIRE(eventually(10s, [&] { return count_lines(current()) >= 300; }));
  CHECK(is_sequence(numbers(current()), 300));
}

TEST_CASE("supervise: x with a log closes the pipe, logger ends, exit 0", "[supervise][e2e]") {
  ServiceDir s;
  make_dirs(s / "log");
  write_script(s / "run", "echo bye\nexec sleep 30\n");
  write_script(s / "log/run", "exec cat > ../../out\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return read_file(s.tmp / "out") == "bye\n"; }));
  pid_t logger = pid_of(s / "log");
  REQUIRE(control(s.dir, "x"));
  CHECK(sup.wait_exit(5s) == 0);
  CHECK_FALSE(process_alive(logger));
  CHECK(read_file(s / "log/supervise/stat") == "down\n");
}

TEST_CASE("supervise: kill -9 of supervise, the next one adopts: no duplicate, no loss",
          "[supervise][e2e]") {
  ServiceDir s;
  make_dirs(s / "log/main");
  write_script(s / "run",
               "echo $$ >> ../starts\n"
               "i=0; while [ $i -lt 400 ]; do echo $i; i=$((i+1)); sleep 0.005; done\n"
               "exec sleep 30\n");
  write_script(s / "log/run", "exec " + svlogd() + " main\n");
  auto current = [&] { return read_file(s / "log/main/current"); };
  pid_t pid = 0, logger = 0;
  {
    Tool first("supervise", {s.str()});
    pid = wait_running(s.dir);
    REQUIRE(pid);
    logger = wait_running(s / "log");
    REQUIRE(eventually(5s, [&] { return count_lines(current()) >= 30; }));
    first.signal(SIGKILL);
    REQUIRE(first.wait_exit(5s));
  }
  Tool second("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return supervised(s.dir); }));
  CHECK(pid_of(s.dir) == pid);
  CHECK(pid_of(s / "log") == logger);
  CHECK(stat_becomes(s.dir, "run"));
  REQUIRE(eventually(10s, [&] { return count_lines(current()) >= 400; }));
  CHECK(is_sequence(numbers(current()), 400));
  CHECK(lines_in(s.tmp / "starts") == 1);
  // The adopted service is controlled normally; its end is noticed through the pidfd.
  REQUIRE(control(s.dir, "d"));
  CHECK(stat_becomes(s.dir, "down"));
  CHECK_FALSE(process_alive(pid));
  REQUIRE(control(s.dir, "x"));
  CHECK(second.wait_exit(5s) == 0);
  CHECK_FALSE(process_alive(logger));
}

TEST_CASE("supervise: SVKIT_LOGPIPE hand-over survives kill -9 of supervise",
          "[supervise][e2e]") {
  ServiceDir s;
  make_dirs(s / "log/main");
  write_script(s / "run",
               "env > ../env\n"
               "i=0; while [ $i -lt 400 ]; do echo $i; i=$((i+1)); sleep 0.005; done\n"
               "exec sleep 30\n");
  write_script(s / "log/run", "exec " + svlogd() + " main\n");
  // Stands in for svscan: a FIFO opened on fds 3 and 4 is the same pipe every time.
  REQUIRE(::mkfifo((s.tmp / "pipe").c_str(), 0600) == 0);
  write_script(s.tmp / "wrap",
               "exec 3<>\"$1/../pipe\" 4>\"$1/../pipe\"\nSVKIT_LOGPIPE=3,4 exec " +
                   bin("supervise") + " \"$1\"\n");
  auto current = [&] { return read_file(s / "log/main/current"); };
  pid_t pid = 0;
  {
    Tool first((s.tmp / "wrap").string(), {s.str()});
    pid = wait_running(s.dir);
    REQUIRE(pid);
    REQUIRE(eventually(5s, [&] { return count_lines(current()) >= 30; }));
    first.signal(SIGKILL);
    REQUIRE(first.wait_exit(5s));
  }
  Tool second((s.tmp / "wrap").string(), {s.str()});
  REQUIRE(eventually(5s, [&] { return supervised(s.dir); }));
  CHECK(pid_of(s.dir) == pid);
  REQUIRE(eventually(10s, [&] { return count_lines(current()) >= 400; }));
  CHECK(is_sequence(numbers(current()), 400));
  CHECK(read_file(s.tmp / "env").find("SVKIT_LOGPIPE") == std::string::npos);
  // x: the logger still has svscan's writer, so supervise TERMs it; svlogd drains and exits.
  REQUIRE(control(s.dir, "x"));
  CHECK(second.wait_exit(5s) == 0);
}

TEST_CASE("supervise: an invalid SVKIT_LOGPIPE warns and uses its own pipe",
          "[supervise][e2e]") {
  ServiceDir s;
  make_dirs(s / "log");
  write_script(s / "run", "echo hi\nenv > ../env\nexec sleep 5\n");
  write_script(s / "log/run", "exec cat > ../../out\n");
  RunOptions opt;
  opt.env["SVKIT_LOGPIPE"] = "7,x";
  Tool sup("supervise", {s.str()}, opt);
  CHECK(eventually(5s, [&] { return read_file(s.tmp / "out") == "hi\n"; }));
  CHECK(sup.err().find("warning: ignoring invalid SVKIT_LOGPIPE=7,x\n") != std::string::npos);
  REQUIRE(eventually(5s, [&] { return svkit::test::exists(s.tmp / "env"); }));
  CHECK(read_file(s.tmp / "env").find("SVKIT_LOGPIPE") == std::string::npos);
}

TEST_CASE("supervise: SIGINT is handled like SIGTERM", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  sup.signal(SIGINT);
  CHECK(sup.wait_exit(5s) == 0);
  CHECK(eventually(5s, [&] { return !process_alive(pid); }));
}

TEST_CASE("supervise: a stale pid file naming a stranger is not adopted", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  make_dirs(s / "supervise");
  // A live session leader, but with another working directory.
  Tool stranger("/bin/sleep", {"30"}, {}, true);
  write_file(s / "supervise/pid", std::to_string(stranger.pid()) + "\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  CHECK(pid != stranger.pid());
  CHECK(stranger.running());
}

TEST_CASE("supervise: pid is rewritten only when it changes, stat and status always",
          "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir));
  auto inode = [&](const char* name) {
    struct stat st;
    return ::stat((s / "supervise" / name).c_str(), &st) == 0 ? st.st_ino : 0;
  };
  auto pid_ino = inode("pid"), status_ino = inode("status");
  REQUIRE(control(s.dir, "p"));
  REQUIRE(stat_becomes(s.dir, "run, paused"));
  CHECK(inode("status") != status_ino);  // replaced through status.new
  CHECK(inode("pid") == pid_ino);
  CHECK_FALSE(svkit::test::exists(s / "supervise/status.new"));
}

TEST_CASE("supervise: supervise/control that is not a FIFO is fatal 111", "[supervise][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 5\n");
  make_dirs(s / "supervise");
  write_file(s / "supervise/control", "");
  auto r = run("supervise", {s.str()});
  CHECK(r.code == 111);
  CHECK(r.err == "supervise " + s.str() +
                     ": fatal: supervise/control exists but is not a fifo\n");
}
