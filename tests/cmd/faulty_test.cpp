// SPDX-License-Identifier: MIT
// faulty: the fault-injection build (tests/fault/shim.cpp; SECURITY.md "Fault tests").
// supervise-faulty, svlogd-faulty and sv-faulty are the daemons' own sources linked with
// --wrap'ed malloc/calloc/realloc and wall-clock functions. A test turns faults on by
// writing a file once everything is set up, and off by removing it:
//   SVKIT_FAULT_MALLOC_FILE  holds N: every Nth allocation fails (NULL / std::bad_alloc);
//   SVKIT_FAULT_CLOCK_FILE   holds S: the wall clock reads S seconds off (never CLOCK_MONOTONIC).
// Each test checks: the daemon never dies, exactly one process per service, nothing lost,
// and all is right once the fault clears. Built only where the faulty build is (not with
// sanitizers, not on macOS): the tests do not exist there rather than pass by skipping.
#if SVKIT_FAULTY_BUILD
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include "supervise_fixture.hpp"

using namespace svkit::test;
using namespace svkit::test::sup;

namespace {

// The env that points a -faulty binary at the control files of T.
RunOptions fault_env(const TempDir& t) {
  RunOptions o;
  o.env["SVKIT_FAULT_MALLOC_FILE"] = (t / "malloc-fault").string();
  o.env["SVKIT_FAULT_CLOCK_FILE"] = (t / "clock-fault").string();
  return o;
}
void malloc_faults(const TempDir& t, int every) {
  if (every > 0) write_file(t / "malloc-fault", std::to_string(every) + "\n");
  else fs::remove(t / "malloc-fault");
}
void clock_shift(const TempDir& t, long seconds) {
  if (seconds) write_file(t / "clock-fault", std::to_string(seconds) + "\n");
  else fs::remove(t / "clock-fault");
}
// The shim re-reads its files at most every 20 ms: a change is seen by a process once
// that long has passed. Waiting for it is a condition on the clock, not a fixed sleep of
// the code under test; 60 ms gives a loaded machine room.
void let_shim_see() {
  auto until = std::chrono::steady_clock::now() + 60ms;
  eventually(1s, [&] { return std::chrono::steady_clock::now() >= until; }, 5ms);
}

std::map<std::string, std::string> probe(const TempDir& t) {
  auto r = run(bin("fault-probe"), {}, fault_env(t));
  REQUIRE(r.code == 0);
  std::map<std::string, std::string> m;
  for (auto& l : split_lines(r.out)) {
    auto sp = l.find(' ');
    if (sp != std::string::npos) m[l.substr(0, sp)] = l.substr(sp + 1);
  }
  return m;
}

// A dead reader makes a write fail with EPIPE (a test failure) rather than kill the test.
struct IgnoreSigpipe {
  void (*old)(int) = ::signal(SIGPIPE, SIG_IGN);
  ~IgnoreSigpipe() { ::signal(SIGPIPE, old); }
};

// sv-faulty must be called "sv": under any other name sv is an LSB init script for the
// service of that name (runit's rule). A symbolic link T/faulty-bin/sv runs it so.
std::string sv_faulty(const TempDir& t) {
  fs::path link = t / "faulty-bin" / "sv";
  if (!svkit::test::exists(link)) {
    make_dirs(link.parent_path());
    fs::create_symlink(bin("sv-faulty"), link);
  }
  return link.string();
}

long long wall_now() { return static_cast<long long>(::time(nullptr)); }

// Lines of every file svlogd keeps in LOG (the old files, then current).
std::vector<std::string> logged_lines(const fs::path& log) {
  std::vector<std::string> files;
  for (auto& e : fs::directory_iterator(log)) {
    std::string f = e.path().filename().string();
    if (f[0] == '@') files.push_back(f);
  }
  std::sort(files.begin(), files.end());
  files.push_back("current");
  std::vector<std::string> all;
  for (auto& f : files)
    for (auto& l : split_lines(read_file(log / f))) all.push_back(l);
  return all;
}

// Parent pid of P, from /proc/P/stat (0 when P is gone).
pid_t parent_of(pid_t p) {
  std::string st = read_file("/proc/" + std::to_string(p) + "/stat");
  auto close = st.rfind(')');
  return close == std::string::npos ? 0 : std::atoi(st.c_str() + close + 4);
}

// Services' processes with cwd DIR other than the supervise SUP (a service, or supervise's
// child between fork and exec). The `ps` that a POSIX-only build's watchdog runs as
// supervise's child (also in DIR) is supervise's helper, not the service's, and is left out.
std::vector<pid_t> service_processes(const fs::path& dir, pid_t sup) {
  std::vector<pid_t> v;
  std::string want = fs::canonical(dir).string();
  for (pid_t p : processes_under(dir)) {
    boost::system::error_code ec;
    auto cwd = fs::read_symlink("/proc/" + std::to_string(p) + "/cwd", ec);
    if (ec || cwd.string() != want || p == sup || !process_alive(p)) continue;
    if (parent_of(p) == sup && comm_of(p) == "ps") continue;
    v.push_back(p);
  }
  return v;
}

// supervise processes (argv[0] ending in "supervise", not a supervise's child between
// fork and exec) whose cwd is DIR.
size_t supervisors_of(const fs::path& dir) {
  auto argv0_of = [](pid_t p) {
    std::string cmd = read_file("/proc/" + std::to_string(p) + "/cmdline");
    return cmd.substr(0, cmd.find('\0'));
  };
  auto is_sup = [&](pid_t p) {
    std::string a = argv0_of(p);
    return a.size() >= 9 && a.compare(a.size() - 9, 9, "supervise") == 0;
  };
  auto parent = parent_of;
  size_t n = 0;
  std::string want = fs::canonical(dir).string();
  for (pid_t p : processes_under(dir)) {
    boost::system::error_code ec;
    auto cwd = fs::read_symlink("/proc/" + std::to_string(p) + "/cwd", ec);
    if (!ec && cwd.string() == want && is_sup(p) && !is_sup(parent(p)) && process_alive(p)) ++n;
  }
  return n;
}

// The "N" of "...) Ns" in an sv status line for the main service; -1 if unreadable.
long long sv_seconds(const std::string& line) {
  auto close = line.find(") ");
  size_t at = close == std::string::npos ? line.find(": ", line.find(": ") + 2) + 2 : close + 2;
  if (at >= line.size() || !isdigit(static_cast<unsigned char>(line[at]))) return -1;
  long long v = 0;
  for (; at < line.size() && isdigit(static_cast<unsigned char>(line[at])); ++at) v = v * 10 + (line[at] - '0');
  return at < line.size() && line[at] == 's' ? v : -1;
}

}  // namespace

TEST_CASE("faulty: the shim fails operator new, malloc and strdup and shifts only the wall clock",
          "[faulty]") {
  TempDir t;
  auto m = probe(t);  // no control file: nothing changes
  CHECK(m["new"] == "ok");
  CHECK(m["string"] == "ok");
  CHECK(m["strdup"] == "ok");
  CHECK(m["malloc"] == "ok");
  CHECK(std::llabs(std::stoll(m["time"]) - wall_now()) <= 2);
  malloc_faults(t, 2);  // every 2nd: one of each pair of tries fails
  m = probe(t);
  CHECK(m["new"] == "bad_alloc");      // libstdc++'s operator new (inside libstdc++.a)
  CHECK(m["string"] == "bad_alloc");   // std::string's allocator
  CHECK(m["strdup"] == "ENOMEM");      // glibc's own reference inside libc.a
  CHECK(m["malloc"] == "ENOMEM");
  malloc_faults(t, 0);
  struct timespec mono;
  for (long shift : {-3600L, 86400L}) {
    clock_shift(t, shift);
    m = probe(t);
    ::clock_gettime(CLOCK_MONOTONIC, &mono);
    for (const char* k : {"time", "gettimeofday", "realtime", "system_clock"}) {
      INFO(k << " with a shift of " << shift);
      CHECK(std::llabs(std::stoll(m[k]) - (wall_now() + shift)) <= 2);
    }
    CHECK(std::llabs(std::stoll(m["monotonic"]) - mono.tv_sec) <= 2);  // never shifted
  }
}

// The numbers N of the "line N ..." lines in GOT; DUP counts those seen twice.
std::set<int> line_numbers(const std::vector<std::string>& got, size_t& dup) {
  std::set<int> seen;
  for (auto& l : got) {
    auto at = l.find("line ");
    if (at == std::string::npos) continue;
    if (!seen.insert(std::atoi(l.c_str() + at + 5)).second) ++dup;
  }
  return seen;
}

// svlogd-faulty on a log directory rotating every 2000 bytes (each rotation allocates a
// name), fed numbered 40-byte lines through a FIFO the test holds open.
struct FaultyLogger {
  TempDir t;
  fs::path log = t / "log";
  fs::path fifo = t / "in";
  IgnoreSigpipe no_sigpipe;
  std::unique_ptr<Tool> logger;
  int w = -1;
  int next = 0;  // number of the next line
  FaultyLogger() {
    make_dirs(log);
    write_file(log / "config", "s2000\nn1000\n");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    logger = std::make_unique<Tool>(
        "/bin/sh", std::vector<std::string>{"-c", "exec \"$0\" -tt \"$1\" < \"$2\"", bin("svlogd-faulty"),
                                            log.string(), fifo.string()},
        fault_env(t));
    w = ::open(fifo.c_str(), O_WRONLY);
    REQUIRE(w >= 0);
  }
  ~FaultyLogger() {
    if (w >= 0) ::close(w);
  }
  void burst(int count) {
    std::string text;
    for (int i = 0; i < count; ++i, ++next) text += "line " + std::to_string(next) + " " + std::string(30, 'x') + "\n";
    for (size_t off = 0; off < text.size();) {
      ssize_t n = ::write(w, text.data() + off, text.size() - off);
      if (n > 0) off += static_cast<size_t>(n);
      else REQUIRE(errno == EINTR);  // EPIPE: svlogd died
    }
  }
  // Closes the FIFO: svlogd writes what it has and exits 0.
  std::optional<int> finish(Millis timeout) {
    ::close(w);
    w = -1;
    return logger->wait_exit(timeout);
  }
  // Every line written reached the log directory once, none twice.
  void check_every_line_once() {
    auto got = logged_lines(log);
    size_t dup = 0;
    std::set<int> seen = line_numbers(got, dup);
    CHECK(seen.size() == static_cast<size_t>(next));
    CHECK(dup == 0);
    INFO(logger->err());
    CHECK(got.size() == static_cast<size_t>(next));
  }
};

TEST_CASE("faulty: svlogd under allocation failures loses no line", "[faulty][e2e]") {
  FaultyLogger r;
  r.burst(50);
  REQUIRE(eventually(10s, [&] { return logged_lines(r.log).size() == 50; }));
  for (int every : {2, 3, 7}) {
    malloc_faults(r.t, every);
    let_shim_see();
    for (int k = 0; k < 10; ++k) r.burst(100);  // a rotation every ~40 lines
    CHECK(r.logger->running());
  }
  malloc_faults(r.t, 0);
  CHECK(r.finish(30s) == std::optional<int>(0));
  r.check_every_line_once();
}

TEST_CASE("faulty: supervise under allocation failures while its service crashes and is "
          "commanded: never dies, one process, status right",
          "[faulty][e2e]") {
  TempDir t;
  fs::path d = t / "svc";
  make_dirs(d / "log");
  // Each start writes 10 numbered lines to its log (and, after each, to ./sent), then
  // lives about a second; watched (memory-limit), so the watchdog samples its tree.
  write_script(d / "run",
               "n=$(($(cat count 2>/dev/null || echo 0) + 1)); echo $n > count\n"
               "i=0; while [ $i -lt 10 ]; do echo \"start $n line $i\"; echo \"start $n line $i\" >> sent;"
               " i=$((i + 1)); done\nexec sleep 1\n");
  write_file(d / "memory-limit", "1G\n");
  write_file(d / "watchdog-interval", "20\n");
  write_script(d / "log" / "run", "exec '" + bin("svlogd-faulty") + "' main\n");
  make_dirs(d / "log" / "main");
  write_file(d / "log" / "main" / "config", "s4000\nn1000\n");
  Tool sup(bin("supervise-faulty"), {d.string()}, fault_env(t));
  pid_t first = wait_running(d, 0, 10s);
  REQUIRE(first);
  REQUIRE(wait_running(d / "log", 0, 10s));
  REQUIRE(eventually(10s, [&] { return svkit::test::exists(d / "log" / "main" / "current"); }));  // svlogd set up
  auto sv = [&](const std::string& verb) { return run(bin("sv"), {verb, d.string()}); };
  const char* verbs[] = {"restart", "down", "up", "restart", "up"};
  for (int every : {2, 3, 7}) {
    malloc_faults(t, every);
    auto until = std::chrono::steady_clock::now() + 3s;
    size_t k = 0;
    // Commands while it crashes and restarts: one every 300 ms or so, for 3 s.
    while (std::chrono::steady_clock::now() < until) {
      sv(verbs[k++ % 5]);
      size_t starts = lines_in(d / "sent");
      eventually(300ms, [&] { return lines_in(d / "sent") > starts + 10; }, 10ms);
      REQUIRE(sup.running());
    }
    INFO("every " << every << " allocation failing: " << sup.err());
    CHECK(sup.running());
    CHECK(wait_running(d / "log", 0, 1s));
  }
  malloc_faults(t, 0);
  let_shim_see();
  INFO(sup.err());
  REQUIRE(sv("up").code == 0);
  pid_t pid = wait_running(d, 0, 10s);
  REQUIRE(pid);
  // Exactly one process of the service: the one status names (once it reached sleep).
  CHECK(eventually(10s, [&] {
    pid_t now = pid_of(d);
    auto procs = service_processes(d, sup.pid());
    return now && procs.size() == 1 && procs[0] == now && comm_of(now) == "sleep";
  }));
  auto st = sv("status");
  CHECK(st.code == 0);
  pid_t now = pid_of(d), logpid = pid_of(d / "log");
  CHECK(st.out.rfind("run: " + d.string() + ": (pid " + std::to_string(now) + ") ", 0) == 0);
  CHECK(st.out.find("; run: log: (pid " + std::to_string(logpid) + ") ") != std::string::npos);
  CHECK(sv_seconds(st.out) >= 0);
  CHECK(service_processes(d / "log", sup.pid()).size() == 1);  // one svlogd
  REQUIRE(sv("down").code == 0);
  CHECK(stat_becomes(d, "down"));
  CHECK(eventually(5s, [&] { return service_processes(d, sup.pid()).empty(); }));
  REQUIRE(sv("up").code == 0);
  CHECK(wait_running(d, 0, 5s));
  // Every line the service wrote reached the log (svlogd-faulty ran under faults too).
  REQUIRE(sv("exit").code == 0);
  CHECK(sup.wait_exit(20s).has_value());
  CHECK(eventually(10s, [&] { return processes_under(d).empty(); }));
  auto sent = split_lines(read_file(d / "sent"));
  auto got = logged_lines(d / "log" / "main");
  std::multiset<std::string> have(got.begin(), got.end());
  size_t missing = 0, dup = 0;
  for (auto& l : sent) {
    auto c = have.count(l);
    if (c == 0) ++missing;
    if (c > 1) ++dup;
  }
  CHECK(sent.size() > 30);
  CHECK(missing == 0);
  CHECK(dup == 0);
}

TEST_CASE("faulty: wall clock stepped back an hour and forward a day: restarts neither stall "
          "nor burst, sv status never negative",
          "[faulty][e2e]") {
  TempDir t;
  fs::path crash = t / "crash", steady = t / "steady";
  make_dirs(crash);
  make_dirs(steady);
  write_script(crash / "run", "echo x >> starts\nexec sleep 0.2\n");  // restarts once a second
  write_script(steady / "run", "exec sleep 60\n");
  Tool a(bin("supervise-faulty"), {crash.string()}, fault_env(t));
  Tool b(bin("supervise-faulty"), {steady.string()}, fault_env(t));
  REQUIRE(eventually(10s, [&] { return lines_in(crash / "starts") >= 2; }));
  REQUIRE(wait_running(steady, 0, 5s));
  auto status = [&](const fs::path& d) { return run(sv_faulty(t), {"status", d.string()}, fault_env(t)).out; };
  for (long shift : {-3600L, 86400L}) {
    INFO("wall clock shifted by " << shift << " s");
    clock_shift(t, shift);
    let_shim_see();
    auto t0 = std::chrono::steady_clock::now();
    size_t s0 = lines_in(crash / "starts");
    // Restarts go on at runsv's pace: 4 more within 10 s (not an hour's stall) ...
    REQUIRE(eventually(10s, [&] { return lines_in(crash / "starts") >= s0 + 4; }, 10ms));
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // ... and no burst: at most one a second plus the one in flight.
    CHECK(lines_in(crash / "starts") - s0 <= static_cast<size_t>(secs) + 2);
    // The restarting service started on the shifted clock: a few seconds, never negative.
    long long n = sv_seconds(status(crash));
    CHECK(n >= 0);
    CHECK(n <= 3);
    // The steady service started before the step: 0 when its start now lies in the future
    // (as runit and daemontools print), else the day the clock jumped.
    n = sv_seconds(status(steady));
    INFO(status(steady));
    if (shift < 0) CHECK(n == 0);
    else CHECK((n >= 86400 && n < 86400 + 120));
    CHECK(a.running());
    CHECK(b.running());
  }
  clock_shift(t, 0);
}

TEST_CASE("faulty: sv -w waits on the monotonic clock while the wall clock steps",
          "[faulty][e2e]") {
  TempDir t;
  fs::path d = t / "svc";
  make_dirs(d);
  // Takes about a second to stop: sv down -w 15 is still waiting when the clock steps.
  // (15 s, not 5: in the POSIX-only build supervise lists the service's tree with ps for
  // each signal it sends, which took seconds once in CI beside a burst of services.)
  write_script(d / "run", "trap 'sleep 1; exit 0' TERM\nsleep 60 &\nwait\n");
  Tool sup(bin("supervise-faulty"), {d.string()}, fault_env(t));
  REQUIRE(wait_running(d, 0, 5s));
  REQUIRE(eventually(5s, [&] { return service_processes(d, sup.pid()).size() == 2; }));
  for (long shift : {86400L, -3600L}) {
    INFO("wall clock shifted by " << shift << " s during the wait");
    clock_shift(t, 0);
    let_shim_see();
    auto t0 = std::chrono::steady_clock::now();
    Tool down(sv_faulty(t), {"-w", "15", "down", d.string()}, fault_env(t));
    clock_shift(t, shift);
    // Forward a day: a wall-clock deadline would have passed at once (exit 1, "timeout");
    // back an hour: it would wait an hour. Monotonic: done when the service is down.
    CHECK(down.wait_exit(20s) == std::optional<int>(0));
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(secs >= 0.9);  // it did wait for the slow stop
    CHECK(down.out().rfind("ok: down: ", 0) == 0);
    CHECK(status_of(d)->state == svkit::RunState::down);
    clock_shift(t, 0);
    let_shim_see();
    Tool up(sv_faulty(t), {"-w", "15", "up", d.string()}, fault_env(t));
    clock_shift(t, shift);
    CHECK(up.wait_exit(20s) == std::optional<int>(0));
    CHECK(up.out().rfind("ok: run: ", 0) == 0);
    REQUIRE(eventually(5s, [&] { return service_processes(d, sup.pid()).size() == 2; }));
  }
  CHECK(sup.running());
}

TEST_CASE("faulty: svlogd rotating by size while the wall clock steps loses no line",
          "[faulty][e2e]") {
  FaultyLogger r;
  auto count = [&] { return logged_lines(r.log).size(); };
  r.burst(300);
  REQUIRE(eventually(10s, [&] { return count() == 300; }));
  for (long shift : {-3600L, 86400L, 0L}) {
    clock_shift(r.t, shift);
    let_shim_see();
    r.burst(300);  // about 6 rotations, named by the shifted clock
    REQUIRE(eventually(10s, [&] { return count() == static_cast<size_t>(r.next); }));
    CHECK(r.logger->running());
  }
  CHECK(r.finish(20s) == std::optional<int>(0));
  r.check_every_line_once();
  // Old files named while the clock was an hour behind sort before the earlier ones
  // (runit's rule: names are TAI64N of the wall clock); with n1000 none was deleted.
}

TEST_CASE("faulty: svscan under allocation failures while services come, go and crash: "
          "one supervise each",
          "[faulty][e2e]") {
  TempDir t;
  fs::path scan = t / "scan";
  make_dirs(scan);
  auto add = [&](const std::string& name, const std::string& body, bool log = false) {
    fs::path tmp = t / name;  // complete before it appears
    make_dirs(tmp);
    write_script(tmp / "run", body);
    if (log) {
      make_dirs(tmp / "log" / "main");
      write_script(tmp / "log" / "run", "exec '" + bin("svlogd-faulty") + "' main\n");
    }
    fs::rename(tmp, scan / name);
  };
  add("crash", "echo x >> starts\nexec sleep 0.3\n");
  add("logged", "echo hello\nexec sleep 0.5\n", true);
  add("steady", "exec sleep 60\n");
  for (int every : {2, 3, 7}) add("gone" + std::to_string(every), "exec sleep 60\n");
  Tool svscan(bin("svscan-faulty"), {scan.string()}, fault_env(t));
  struct Cleanup {  // whatever runs below T ends with the test
    fs::path t;
    ~Cleanup() { kill_processes_under(t); }
  } cleanup{t.path()};
  auto up_once = [&](const fs::path& d) {
    auto st = status_of(d);
    return st && st->state == svkit::RunState::run && supervisors_of(d) == 1;
  };
  // The crashing services are down between their starts: one supervise, status written.
  auto once = [&](const fs::path& d) { return status_of(d) && supervisors_of(d) == 1; };
  REQUIRE(eventually(20s, [&] {
    return once(scan / "crash") && once(scan / "logged") && wait_running(scan / "logged" / "log", 0, 1ms) &&
           up_once(scan / "steady") && up_once(scan / "gone2");
  }));
  for (int every : {2, 3, 7}) {
    malloc_faults(t, every);
    let_shim_see();
    std::string n = std::to_string(every);
    add("new" + n, "exec sleep 60\n");
    fs::rename(scan / ("gone" + n), t / ("gone" + n));
    size_t starts = lines_in(scan / "crash" / "starts");
    CHECK(eventually(10s, [&] { return lines_in(scan / "crash" / "starts") >= starts + 2; }));
    INFO("every " << every << " allocation failing: " << svscan.err());
    REQUIRE(svscan.running());
  }
  malloc_faults(t, 0);
  let_shim_see();
  INFO(svscan.err());
  for (const char* d : {"crash", "logged"}) CHECK(eventually(20s, [&] { return once(scan / d); }));
  CHECK(wait_running(scan / "logged" / "log", 0, 20s));  // run by logged's supervise
  for (const char* d : {"steady", "new2", "new3", "new7"})
    CHECK(eventually(20s, [&] { return up_once(scan / d); }));
  CHECK(count_lines(read_file(scan / "logged" / "log" / "main" / "current")) >= 3);
  for (const char* d : {"gone2", "gone3", "gone7"})
    CHECK(eventually(20s, [&] { return supervisors_of(t / d) == 0 && processes_under(t / d).empty(); }));
  CHECK(svscan.running());
  svscan.signal(SIGHUP);  // stops every supervise it started, then itself
  CHECK(svscan.wait_exit(30s).has_value());
  CHECK(eventually(15s, [&] { return processes_under(scan).empty(); }));
}

#endif  // SVKIT_FAULTY_BUILD
