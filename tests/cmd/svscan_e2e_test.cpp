// SPDX-License-Identifier: MIT
// svscan end-to-end: real svscan processes on temp scan directories. Most tests run a copy
// of svscan next to a stand-in `supervise` shell script (which also proves that svscan
// starts the supervise next to itself); the last ones use the real supervise of this build.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <set>

#include "harness.hpp"
#include "svkit/fifo.hpp"

using namespace svkit::test;

namespace {

// Records "PID SVKIT_LOGPIPE" in DIR/NAME/started and SVKIT_SCANDIR in DIR/NAME/scandir, then
// becomes ./run or a sleep (same pid).
constexpr char kStandIn[] =
    "cd \"$1\" || exit 111\n"
    "echo \"${SVKIT_SCANDIR:-none}\" > scandir\n"
    "echo \"$$ ${SVKIT_LOGPIPE:-none}\" >> started\n"
    "[ -x ./run ] && exec ./run\n"
    "exec sleep 60\n";

struct Scan {
  TempDir t;
  fs::path bin = t / "bin", scan = t / "scan", sv = t / "sv";
  std::unique_ptr<Tool> svscan;

  explicit Scan(bool real_supervise = false) {
    make_dirs(bin);
    make_dirs(scan);
    make_dirs(sv);
    if (real_supervise) return;
    fs::copy_file(svkit::test::bin("svscan"), bin / "svscan");
    write_script(bin / "supervise", kStandIn);
  }
  void start(bool real_supervise = false, const RunOptions& opt = {},
             std::vector<std::string> args = {}) {
    std::string prog = real_supervise ? svkit::test::bin("svscan") : (bin / "svscan").string();
    if (args.empty()) args = {scan.string()};
    svscan = std::make_unique<Tool>(prog, args, opt);
  }
  // A service directory outside the scan directory (link it in with link()).
  fs::path service(const std::string& name, const std::string& run = "") {
    make_dirs(sv / name);
    if (!run.empty()) write_script(sv / name / "run", run);
    return sv / name;
  }
  void link(const std::string& name, const std::string& target) {
    fs::create_symlink(sv / target, scan / name);
  }
};

// Pids recorded by the stand-in in DIR/started, in order.
std::vector<pid_t> starts(const fs::path& dir) {
  std::vector<pid_t> pids;
  for (const auto& l : split_lines(read_file(dir / "started"))) pids.push_back(std::stoi(l));
  return pids;
}
std::string last_start_env(const fs::path& dir) {
  auto lines = split_lines(read_file(dir / "started"));
  return lines.empty() ? "" : lines.back().substr(lines.back().find(' ') + 1);
}
bool started_n(const fs::path& dir, size_t n, Millis timeout = 3s) {
  return eventually(timeout, [&] { return starts(dir).size() >= n; });
}

std::set<int> open_fds(pid_t pid) {
  std::set<int> fds;
  for (auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    fds.insert(std::stoi(e.path().filename().string()));
  return fds;
}
std::string fd_target(pid_t pid, int fd) {
  return fs::read_symlink("/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd)).string();
}

pid_t parent_of(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  return static_cast<pid_t>(std::atoi(stat.c_str() + close + 4));  // ") S PPID"
}

// Live (non-zombie) children of PARENT whose argv[0] ends in NAME ("" = any).
std::vector<pid_t> children(pid_t parent, const std::string& name = "") {
  std::vector<pid_t> out;
  for (auto& e : fs::directory_iterator("/proc")) {
    std::string f = e.path().filename().string();
    if (f.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = std::stoi(f);
    if (parent_of(pid) != parent || !process_alive(pid)) continue;
    std::string cmd = read_file("/proc/" + f + "/cmdline");
    std::string argv0 = cmd.substr(0, cmd.find('\0'));
    if (name.empty() || (argv0.size() >= name.size() &&
                         argv0.compare(argv0.size() - name.size(), name.size(), name) == 0))
      out.push_back(pid);
  }
  return out;
}
bool has_zombie_child(pid_t parent) {
  for (auto& e : fs::directory_iterator("/proc")) {
    std::string f = e.path().filename().string();
    if (f.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = std::stoi(f);
    if (parent_of(pid) == parent && !process_alive(pid) && svkit::test::exists(e.path())) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("svscan: usage errors print one line and exit 100", "[svscan][e2e]") {
  for (auto args : std::vector<std::vector<std::string>>{{"a", "b", "c"}, {"-x"}, {"-P", "-q", "d"}}) {
    auto r = run("svscan", args);
    CHECK(r.code == 100);
    CHECK(r.err == "svscan: usage: svscan [-P] [dir [log]]\n");
  }
}

TEST_CASE("svscan: a missing scan directory is fatal (111)", "[svscan][e2e]") {
  TempDir t;
  auto r = run("svscan", {(t / "nope").string()});
  CHECK(r.code == 111);
  CHECK(r.err == "svscan: fatal: unable to open " + (t / "nope").string() + ": file does not exist\n");
}

TEST_CASE("svscan: one supervise per service dir or symlink, dot names, files, aliases",
          "[svscan][e2e]") {
  Scan s;
  make_dirs(s.scan / "real");
  make_dirs(s.scan / ".hidden");
  write_file(s.scan / "file", "x");
  s.service("linked");
  s.link("lnk", "linked");
  fs::create_symlink(s.scan / "real", s.scan / "alias");  // same (dev, ino) as real
  fs::create_symlink(s.sv / "missing", s.scan / "dangling");
  s.start();
  REQUIRE(started_n(s.scan / "real", 1));
  REQUIRE(started_n(s.sv / "linked", 1));
  // Proof that later events were processed: a new service appears...
  make_dirs(s.scan / "marker");
  REQUIRE(started_n(s.scan / "marker", 1));
  // ...while none of the others got a second supervise.
  CHECK(starts(s.scan / "real").size() == 1);
  CHECK(starts(s.sv / "linked").size() == 1);
  CHECK_FALSE(svkit::test::exists(s.scan / ".hidden" / "started"));
  // (marker's started file is written before it execs sleep: wait for that.)
  CHECK(eventually(5s, [&] { return children(s.svscan->pid(), "sleep").size() == 3; }));
}

TEST_CASE("svscan: runsvdir's -P and log argument are accepted", "[svscan][e2e]") {
  Scan s;
  make_dirs(s.scan / "a");
  s.start(false, {}, {"-P", s.scan.string(), "log: ..........................."});
  CHECK(started_n(s.scan / "a", 1));
  CHECK(s.svscan->running());
  CHECK(s.svscan->err().empty());
}

TEST_CASE("svscan: a service symlinked in is picked up with no trigger", "[svscan][e2e]") {
  Scan s;
  s.start();
  s.service("new");
  s.link("new", "new");
  CHECK(started_n(s.sv / "new", 1, 2s));
  CHECK(last_start_env(s.sv / "new") == "none");
}

TEST_CASE("svscan: removing a service stops its supervise and forgets it", "[svscan][e2e]") {
  Scan s;
  s.service("a");
  s.link("a", "a");
  make_dirs(s.scan / "b");
  s.start();
  REQUIRE(started_n(s.sv / "a", 1));
  REQUIRE(started_n(s.scan / "b", 1));
  pid_t a = starts(s.sv / "a")[0];
  fs::remove(s.scan / "a");
  CHECK(eventually(10s, [&] { return !process_alive(a); }));
  pid_t b = starts(s.scan / "b")[0];
  fs::remove_all(s.scan / "b");  // a real directory removed: its inode may be reused
  CHECK(eventually(10s, [&] { return !process_alive(b); }));
  make_dirs(s.scan / "marker");
  REQUIRE(started_n(s.scan / "marker", 1));
  CHECK(starts(s.sv / "a").size() == 1);  // not restarted
}

TEST_CASE("svscan: renaming a service restarts nothing", "[svscan][e2e]") {
  Scan s;
  make_dirs(s.scan / "old");
  s.service("t");
  s.link("l1", "t");
  s.start();
  REQUIRE(started_n(s.scan / "old", 1));
  REQUIRE(started_n(s.sv / "t", 1));
  fs::rename(s.scan / "old", s.scan / "new");
  fs::rename(s.scan / "l1", s.scan / "l2");
  s.svscan->signal(SIGALRM);  // a full rescan must agree
  make_dirs(s.scan / "marker");
  REQUIRE(started_n(s.scan / "marker", 1));
  CHECK(starts(s.scan / "new").size() == 1);
  CHECK(process_alive(starts(s.scan / "new")[0]));
  CHECK(starts(s.sv / "t").size() == 1);
  CHECK(process_alive(starts(s.sv / "t")[0]));
}

// /proc/PID/stat's state letter ('S' sleeping, 'T' stopped, ...); 0 when gone.
char proc_state(pid_t pid) {
  std::string st = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto p = st.rfind(')');
  return p == std::string::npos || p + 2 >= st.size() ? 0 : st[p + 2];
}

// A rename whose two inotify halves (MOVED_FROM, MOVED_TO) svscan reads in two batches
// restarts nothing. The split is made deterministic: svscan is stopped, the services are
// moved out, svscan is let run until it sleeps again (it has read every MOVED_FROM), then
// stopped again while they are moved back in under new names.
TEST_CASE("svscan: a rename read in two batches restarts nothing", "[svscan][e2e]") {
  Scan s;
  constexpr int kN = 40;
  for (int i = 0; i < kN; ++i) make_dirs(s.scan / ("s" + std::to_string(i)));
  s.start();
  for (int i = 0; i < kN; ++i) REQUIRE(started_n(s.scan / ("s" + std::to_string(i)), 1, 10s));
  pid_t scanner = s.svscan->pid();
  auto asleep = [&] { return eventually(10s, [&] { return proc_state(scanner) == 'S'; }); };
  REQUIRE(asleep());
  ::kill(scanner, SIGSTOP);
  REQUIRE(eventually(5s, [&] { return proc_state(scanner) == 'T'; }));
  make_dirs(s.t / "out");
  for (int i = 0; i < kN; ++i)
    fs::rename(s.scan / ("s" + std::to_string(i)), s.t / "out" / ("s" + std::to_string(i)));
  ::kill(scanner, SIGCONT);
  REQUIRE(asleep());  // every MOVED_FROM read, none of the MOVED_TO queued yet
  ::kill(scanner, SIGSTOP);
  REQUIRE(eventually(5s, [&] { return proc_state(scanner) == 'T'; }));
  for (int i = 0; i < kN; ++i)
    fs::rename(s.t / "out" / ("s" + std::to_string(i)), s.scan / ("n" + std::to_string(i)));
  ::kill(scanner, SIGCONT);
  make_dirs(s.scan / "marker");
  REQUIRE(started_n(s.scan / "marker", 1, 10s));
  for (int i = 0; i < kN; ++i) {
    auto pids = starts(s.scan / ("n" + std::to_string(i)));
    INFO("service " << i);
    CHECK(pids.size() == 1);
    CHECK((!pids.empty() && process_alive(pids[0])));
  }
  // Moved out for good: stopped once the grace time is over.
  pid_t gone = starts(s.scan / "n0")[0];
  fs::rename(s.scan / "n0", s.t / "n0");
  CHECK(eventually(10s, [&] { return !process_alive(gone); }));
  CHECK(starts(s.t / "n0").size() == 1);
}

TEST_CASE("svscan: a killed supervise is restarted, throttled, with the same log pipe",
          "[svscan][e2e]") {
  Scan s;
  make_dirs(s.service("w") / "log");
  s.link("w", "w");
  s.start();
  REQUIRE(started_n(s.sv / "w", 1));
  pid_t first = starts(s.sv / "w")[0];
  std::string pipe = fd_target(first, 3);
  CHECK(pipe.rfind("pipe:", 0) == 0);
  CHECK(fd_target(first, 4) == pipe);
  CHECK(last_start_env(s.sv / "w") == "3,4");
  auto killed = std::chrono::steady_clock::now();
  ::kill(first, SIGKILL);
  REQUIRE(started_n(s.sv / "w", 2));
  CHECK(std::chrono::steady_clock::now() - killed >= 900ms);  // at most one start per second
  pid_t second = starts(s.sv / "w")[1];
  CHECK(fd_target(second, 3) == pipe);
  CHECK(fd_target(second, 4) == pipe);
}

TEST_CASE("svscan: supervise gets fds 0-2 (+3,4 when logged) and a clean environment",
          "[svscan][e2e]") {
  Scan s;
  // The stand-in execs ./run: a program that opens nothing itself shows what it inherited.
  make_dirs(s.scan / "plain");
  write_script(s.scan / "plain" / "run", "exec " + bin("sigecho") + "\n");
  make_dirs(s.scan / "logged" / "log");
  write_script(s.scan / "logged" / "run", "exec " + bin("sigecho") + "\n");
  make_dirs(s.scan / "quiet");  // keeps the signal state it inherited
  write_script(s.scan / "quiet" / "run", "exec /bin/sleep 60\n");
  RunOptions opt;
  opt.env["SVKIT_LOGPIPE"] = "7,8";  // svscan's own must not reach a supervise
  opt.env["SVKIT_SCANDIR"] = "/elsewhere";  // nor its own SVKIT_SCANDIR
  s.start(false, opt);
  REQUIRE(started_n(s.scan / "plain", 1));
  REQUIRE(started_n(s.scan / "logged", 1));
  REQUIRE(started_n(s.scan / "quiet", 1));
  pid_t plain = starts(s.scan / "plain")[0], logged = starts(s.scan / "logged")[0];
  pid_t quiet = starts(s.scan / "quiet")[0];
  auto ready = [&](pid_t p) {  // sigecho printed its pid: past the dynamic loader's opens
    return s.svscan->out().find("pid " + std::to_string(p) + "\n") != std::string::npos;
  };
  REQUIRE(eventually(3s, [&] { return ready(plain) && ready(logged); }));
  CHECK(open_fds(plain) == std::set<int>{0, 1, 2});
  CHECK(open_fds(logged) == std::set<int>{0, 1, 2, 3, 4});
  CHECK(last_start_env(s.scan / "plain") == "none");
  CHECK(last_start_env(s.scan / "logged") == "3,4");
  CHECK(read_file(s.scan / "plain" / "scandir") == s.scan.string() + "\n");
  CHECK(read_file(s.scan / "logged" / "scandir") == s.scan.string() + "\n");
  // svscan blocks and ignores signals itself; what it starts must not inherit that.
  REQUIRE(eventually(3s, [&] {
    return read_file("/proc/" + std::to_string(quiet) + "/cmdline").rfind("/bin/sleep", 0) == 0;
  }));
  std::string status = read_file("/proc/" + std::to_string(quiet) + "/status");
  CHECK(status.find("SigBlk:\t0000000000000000\n") != std::string::npos);
  CHECK(status.find("SigIgn:\t0000000000000000\n") != std::string::npos);
}

TEST_CASE("svscan: SIGTERM exits 0 and leaves every supervise running", "[svscan][e2e]") {
  Scan s;
  make_dirs(s.scan / "a");
  s.start();
  REQUIRE(started_n(s.scan / "a", 1));
  s.svscan->signal(SIGTERM);
  CHECK(s.svscan->wait_exit(3s) == 0);
  CHECK(process_alive(starts(s.scan / "a")[0]));
}

TEST_CASE("svscan: SIGHUP stops every supervise, then exits 111", "[svscan][e2e]") {
  Scan s;
  make_dirs(s.scan / "a");
  make_dirs(s.scan / "b");
  s.start();
  REQUIRE(started_n(s.scan / "a", 1));
  REQUIRE(started_n(s.scan / "b", 1));
  s.svscan->signal(SIGHUP);
  CHECK(s.svscan->wait_exit(5s) == 111);
  CHECK_FALSE(process_alive(starts(s.scan / "a")[0]));
  CHECK_FALSE(process_alive(starts(s.scan / "b")[0]));
}

TEST_CASE("svscan: SIGALRM rescans changes no event reports", "[svscan][e2e]") {
  Scan s;
  fs::create_symlink(s.sv / "later", s.scan / "later");  // dangling: not a service yet
  s.start();
  make_dirs(s.scan / "marker");
  REQUIRE(started_n(s.scan / "marker", 1));
  make_dirs(s.sv / "later");  // outside the scan directory: no event in it
  CHECK_FALSE(svkit::test::exists(s.sv / "later" / "started"));
  s.svscan->signal(SIGALRM);
  CHECK(started_n(s.sv / "later", 1, 2s));
}

TEST_CASE("svscan: starts the supervise next to itself, never PATH's", "[svscan][e2e]") {
  Scan s;
  make_dirs(s.t / "path");
  write_script(s.t / "path" / "supervise", "touch " + (s.t / "wrong").string() + "\nexec sleep 60\n");
  make_dirs(s.scan / "a");
  RunOptions opt;
  opt.env["PATH"] = (s.t / "path").string() + ":/usr/bin:/bin";
  s.start(false, opt);
  CHECK(started_n(s.scan / "a", 1));
  CHECK_FALSE(svkit::test::exists(s.t / "wrong"));
}

TEST_CASE("svscan: a supervise that exits at once is restarted once per second",
          "[svscan][e2e]") {
  Scan s;
  make_dirs(s.scan / "quick");
  write_script(s.scan / "quick" / "run", "exit 1\n");
  s.start();
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(started_n(s.scan / "quick", 3, 5s));
  CHECK(std::chrono::steady_clock::now() - t0 >= 1900ms);
}

TEST_CASE("svscan: reaps orphans left by a service (subreaper)", "[svscan][e2e]") {
  Scan s;
  make_dirs(s.scan / "fork");
  // The subshell exits at once: its `sleep 1` is orphaned and reparented to svscan.
  write_script(s.scan / "fork" / "run", "(sleep 1 &)\nexec sleep 60\n");
  s.start();
  REQUIRE(started_n(s.scan / "fork", 1));
  pid_t scanner = s.svscan->pid();
  auto orphan = [&] {
    for (pid_t p : children(scanner, "sleep"))
      if (read_file("/proc/" + std::to_string(p) + "/cmdline") == std::string("sleep\0" "1\0", 8))
        return p;
    return pid_t{0};
  };
  pid_t o = 0;
  REQUIRE(eventually(3s, [&] { return (o = orphan()) != 0; }));
  CHECK(eventually(4s, [&] { return !svkit::test::exists("/proc/" + std::to_string(o)); }));  // reaped
  CHECK_FALSE(has_zombie_child(scanner));
}

TEST_CASE("svscan: leaves a supervise it did not start alone, takes over when it is gone",
          "[svscan][e2e]") {
  Scan s;
  make_dirs(s.scan / "taken" / "supervise");
  REQUIRE(::mkfifo((s.scan / "taken" / "supervise" / "ok").c_str(), 0600) == 0);
  int held = ::open((s.scan / "taken" / "supervise" / "ok").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(held >= 0);  // "another supervise" holds supervise/ok
  s.start();
  make_dirs(s.scan / "marker");
  REQUIRE(started_n(s.scan / "marker", 1));
  CHECK_FALSE(svkit::test::exists(s.scan / "taken" / "started"));
  ::close(held);
  CHECK(started_n(s.scan / "taken", 1, 6s));
}

// ---- with the real supervise of this build ----

TEST_CASE("svscan: real supervise: pickup, removal and SIGHUP stop the services",
          "[svscan][e2e]") {
  REQUIRE(have(bin("supervise")));
  Scan s(true);
  s.service("echo", "exec " + bin("sigecho") + "\n");
  s.start(true);
  s.link("echo", "echo");
  pid_t svc = 0;
  REQUIRE(eventually(3s, [&] { return (svc = find_process(bin("sigecho"), s.sv / "echo")) != 0; }));
  make_dirs(s.scan / "two");
  write_script(s.scan / "two" / "run", "exec " + bin("sigecho") + "\n");
  pid_t two = 0;
  REQUIRE(eventually(3s, [&] { return (two = find_process(bin("sigecho"), s.scan / "two")) != 0; }));
  fs::remove(s.scan / "echo");
  CHECK(eventually(5s, [&] { return !process_alive(svc); }));
  s.svscan->signal(SIGHUP);
  CHECK(s.svscan->wait_exit(10s) == 111);
  CHECK_FALSE(process_alive(two));
}

TEST_CASE("svscan: real supervise: no log line lost across a SIGKILL of supervise",
          "[svscan][e2e]") {
  REQUIRE(have(bin("supervise")));
  REQUIRE(have(bin("svlogd")));
  Scan s(true);
  // 20,000 numbered lines over about two seconds, then the service stays up.
  fs::path d = s.service("count",
                         "i=0\nwhile [ $i -lt 20000 ]; do i=$((i+1)); echo $i\n"
                         "  [ $((i % 100)) = 0 ] && sleep 0.01; done\nexec sleep 60\n");
  make_dirs(d / "log" / "main");
  write_script(d / "log" / "run", "exec " + bin("svlogd") + " ./main\n");
  s.link("count", "count");
  s.start(true);
  pid_t sup = 0;
  REQUIRE(eventually(3s, [&] {
    auto c = children(s.svscan->pid(), "supervise");
    return c.size() == 1 && (sup = c[0]) != 0;
  }));
  fs::path current = d / "log" / "main" / "current";
  REQUIRE(eventually(3s, [&] { return read_file(current).size() > 1000; }));
  pid_t logger = find_process(bin("svlogd"), d / "log");
  REQUIRE(logger != 0);
  ::kill(sup, SIGKILL);
  REQUIRE(eventually(4s, [&] {
    auto c = children(s.svscan->pid(), "supervise");
    return c.size() == 1 && c[0] != sup;
  }));
  // The new supervise restarts the logger (svlogd writes what it has read, then exits on
  // TERM). The new svlogd must read the very pipe ./run still writes to -- the one svscan
  // holds -- or lines are lost (run dies of SIGPIPE) or repeated (run restarted).
  REQUIRE(eventually(3s, [&] {
    return svkit::send_control((d / "log").string(), "t") == svkit::SendResult::sent;
  }));
  REQUIRE(eventually(3s, [&] {
    pid_t l = find_process(bin("svlogd"), d / "log");
    return l != 0 && l != logger;
  }));
  REQUIRE(eventually(20s, [&] {
    std::string out = read_file(current);
    return out.size() >= 7 && out.compare(out.size() - 7, 7, "\n20000\n") == 0;
  }));
  auto lines = split_lines(read_file(current));
  REQUIRE(lines.size() == 20000);
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i] != std::to_string(i + 1)) FAIL("line " << i + 1 << " is " << lines[i]);
}

TEST_CASE("svscan: no supervise next to it: one warning per try, retried, never dies",
          "[svscan][e2e]") {
  Scan s;
  fs::remove(s.bin / "supervise");
  make_dirs(s.scan / "a");
  s.start();
  std::string missing = "svscan: warning: unable to start " + (s.bin / "supervise").string() +
                        " a: file does not exist\n";
  REQUIRE(eventually(3s, [&] { return s.svscan->err().find(missing) != std::string::npos; }));
  CHECK(s.svscan->running());
  write_script(s.bin / "supervise", kStandIn);
  CHECK(started_n(s.scan / "a", 1, 8s));  // the retry comes within 5 s
}

TEST_CASE("svscan: a scan directory replaced by another one is watched again",
          "[svscan][e2e]") {
  Scan s;
  make_dirs(s.scan / "a");
  s.start();
  REQUIRE(started_n(s.scan / "a", 1));
  pid_t a = starts(s.scan / "a")[0];
  make_dirs(s.t / "next" / "c");
  fs::rename(s.scan, s.t / "old");
  fs::rename(s.t / "next", s.scan);
  CHECK(started_n(s.scan / "c", 1, 8s));          // the new directory is scanned...
  CHECK(eventually(3s, [&] { return !process_alive(a); }));  // ...and a is gone from it
  make_dirs(s.scan / "d");                        // and watched
  CHECK(started_n(s.scan / "d", 1, 2s));
}

TEST_CASE("svscan: as PID 1 of a PID namespace it reaps orphans and obeys SIGHUP",
          "[svscan][e2e]") {
  REQUIRE_ROOT();
  REQUIRE_ANCHOR("/usr/bin/unshare");
  Scan s;
  make_dirs(s.scan / "fork");
  write_script(s.scan / "fork" / "run", "(sleep 1 &)\nexec sleep 60\n");
  Tool ns("/usr/bin/unshare", {"--pid", "--fork", (s.bin / "svscan").string(), s.scan.string()});
  pid_t init = 0;  // svscan: the child of unshare, PID 1 inside
  REQUIRE(eventually(3s, [&] {
    auto c = children(ns.pid());
    return c.size() == 1 && (init = c[0]) != 0;
  }));
  CHECK(read_file("/proc/" + std::to_string(init) + "/status").find("NSpid:\t" + std::to_string(init) + "\t1\n") != std::string::npos);
  REQUIRE(started_n(s.scan / "fork", 1));
  pid_t o = 0;
  REQUIRE(eventually(3s, [&] {
    for (pid_t p : children(init, "sleep"))
      if (read_file("/proc/" + std::to_string(p) + "/cmdline") == std::string("sleep\0" "1\0", 8))
        return (o = p) != 0;
    return false;
  }));
  CHECK(eventually(4s, [&] { return !svkit::test::exists("/proc/" + std::to_string(o)); }));
  CHECK_FALSE(has_zombie_child(init));
  ::kill(init, SIGHUP);  // blocked + signalfd: delivered even to a PID 1 without handlers
  CHECK(ns.wait_exit(5s) == 111);
}

namespace {
// A run script that records its TERM in ../order ("NAME-term NANOS app=alive|gone") and,
// after DELAY seconds, exits; PIDFILE ../NAME.pid.
std::string trap_run(const std::string& name, const std::string& delay = "0") {
  return "echo $$ > ../" + name + ".pid\n"
         "app=$(cat ../app.pid 2>/dev/null)\n"
         "trap 'a=gone; [ -n \"$app\" ] && kill -0 \"$app\" 2>/dev/null && a=alive\n"
         "      echo \"" + name + "-term $(date +%s%N) app=$a\" >> ../order\n"
         "      sleep " + delay + "; kill $! 2>/dev/null; exit 0' TERM\n"
         "sleep 60 & wait\n";
}
bool trap_set(const fs::path& scan, const std::string& name) {  // run is waiting in `wait`
  std::string pid = read_file(scan / (name + ".pid"));
  if (pid.empty()) return false;
  pid_t p = std::stoi(pid);
  return !children(p, "sleep").empty();
}
std::string line_of(const std::string& order, const std::string& name) {
  for (const auto& l : split_lines(order))
    if (l.rfind(name + "-term ", 0) == 0) return l;
  return "";
}
}  // namespace

TEST_CASE("svscan: SIGHUP stops a service before the services it depends on", "[svscan][e2e]") {
  REQUIRE(have(bin("supervise")));
  Scan s(true);
  make_dirs(s.scan / "db");
  write_script(s.scan / "db" / "run", trap_run("db"));
  make_dirs(s.scan / "app" / "dependencies.d");
  write_file(s.scan / "app" / "dependencies.d" / "db", "");
  write_script(s.scan / "app" / "run", trap_run("app", "0.3"));  // takes 0.3 s to stop
  make_dirs(s.scan / "other");  // no dependencies: stopped at once, not after the app
  write_script(s.scan / "other" / "run", trap_run("other"));
  s.start(true);
  REQUIRE(eventually(5s, [&] {
    return trap_set(s.scan, "db") && trap_set(s.scan, "app") && trap_set(s.scan, "other");
  }));
  s.svscan->signal(SIGHUP);
  CHECK(s.svscan->wait_exit(15s) == 111);
  std::string order = read_file(s.scan / "order");
  INFO(order);
  std::string app = line_of(order, "app"), db = line_of(order, "db"), other = line_of(order, "other");
  REQUIRE(!app.empty());
  REQUIRE(!db.empty());
  REQUIRE(!other.empty());
  CHECK(db.substr(db.rfind(' ')) == " app=gone");  // the app's run had exited before
  auto nanos = [](const std::string& l) { return std::stoll(l.substr(l.find(' ') + 1)); };
  CHECK(nanos(app) < nanos(db));
  CHECK(nanos(other) < nanos(db));  // not held back behind the app's 0.3 s
  CHECK(order.find("app-term") < order.find("db-term"));
}

// (svscan's own bound, timeout-kill plus 2 s, for a dependent whose supervise does not stop
// it, is tested in supervise_deps_test.cpp.)
TEST_CASE("svscan: SIGHUP: a dependent that ignores TERM is killed at its timeout-kill "
          "and its dependency then stops", "[svscan][e2e]") {
  REQUIRE(have(bin("supervise")));
  Scan s(true);
  make_dirs(s.scan / "db");
  write_script(s.scan / "db" / "run", trap_run("db"));
  make_dirs(s.scan / "app" / "dependencies.d");
  fs::create_symlink("../../db", s.scan / "app" / "dependencies.d" / "database");
  write_file(s.scan / "app" / "timeout-kill", "100\n");
  write_script(s.scan / "app" / "run", trap_run("app", "20"));  // stops only after 20 s
  s.start(true);
  REQUIRE(eventually(5s, [&] { return trap_set(s.scan, "db") && trap_set(s.scan, "app"); }));
  s.svscan->signal(SIGHUP);
  // Without the escalation the db would wait 10 s (svscan's bound) or 20 s (the app's exit).
  REQUIRE(eventually(8s, [&] { return !line_of(read_file(s.scan / "order"), "db").empty(); }));
  CHECK(!line_of(read_file(s.scan / "order"), "app").empty());
}

TEST_CASE("svscan: hundreds of services added, renamed and removed keep one supervise each",
          "[svscan][e2e]") {
  Scan s;
  auto name = [](int i) {  // long names: removals leave enough dead bytes to repack names
    char b[64];
    snprintf(b, sizeof b, "a-rather-long-service-name-number-%03d", i);
    return std::string(b);
  };
  for (int i = 0; i < 300; ++i) make_dirs(s.scan / name(i));
  s.start();
  auto all_started = [&](int from, int to, const std::string& prefix = "") {
    for (int i = from; i < to; ++i)
      if (starts(s.scan / (prefix + name(i))).size() != 1) return false;
    return true;
  };
  REQUIRE(eventually(30s, [&] { return all_started(0, 300); }));
  std::vector<pid_t> renamed;
  for (int i = 150; i < 250; ++i) {
    renamed.push_back(starts(s.scan / name(i))[0]);
    fs::rename(s.scan / name(i), s.scan / ("x" + name(i)));
  }
  std::vector<pid_t> removed;
  for (int i = 0; i < 150; ++i) {
    removed.push_back(starts(s.scan / name(i))[0]);
    fs::rename(s.scan / name(i), s.t / name(i));  // out of the scan directory
  }
  for (int i = 300; i < 350; ++i) make_dirs(s.scan / name(i));
  REQUIRE(eventually(30s, [&] { return all_started(300, 350); }));
  CHECK(eventually(30s, [&] {
    for (pid_t p : removed)
      if (process_alive(p)) return false;
    return true;
  }));
  for (pid_t p : renamed) CHECK(process_alive(p));  // a rename restarts nothing
  s.svscan->signal(SIGALRM);                        // a full rescan agrees
  make_dirs(s.scan / "marker");
  REQUIRE(started_n(s.scan / "marker", 1, 10s));
  CHECK(all_started(150, 250, "x"));
  CHECK(all_started(250, 350));
  CHECK(eventually(10s, [&] { return children(s.svscan->pid()).size() == 201; }));  // stand-ins
  for (int i = 0; i < 150; ++i) CHECK(starts(s.t / name(i)).size() == 1);  // not restarted
}
