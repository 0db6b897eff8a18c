// SPDX-License-Identifier: MIT
// fault injection with real processes (issue 13): a resource is taken away from a running
// svscan, supervise or svlogd (file descriptors, disk space, a writable file system, the
// CPU), then given back. Each test checks: the daemon keeps running, the services keep
// running (exactly one of each), nothing is lost, and everything is right again once the
// fault clears. Root tests (mounts) run in a private mount namespace of the test process
// and always unmount. SECURITY.md ("Fault tests") says what each one proves.
#include <sched.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "supervise_fixture.hpp"
#include "svkit/platform.hpp"

using namespace svkit::test;
using namespace svkit::test::sup;

namespace {

// prlimit(1) on a running process: RLIMIT_NOFILE soft and hard.
bool set_nofile(pid_t pid, int soft, int hard) {
  struct rlimit rl = {static_cast<rlim_t>(soft), static_cast<rlim_t>(hard)};
  return ::prlimit(pid, RLIMIT_NOFILE, &rl, nullptr) == 0;
}
bool is_supervise(pid_t p) {
  std::string cmd = read_file("/proc/" + std::to_string(p) + "/cmdline");
  std::string argv0 = cmd.substr(0, cmd.find('\0'));
  return argv0.size() >= 9 && argv0.compare(argv0.size() - 9, 9, "supervise") == 0;
}
pid_t parent_of(pid_t p) {
  std::string st = read_file("/proc/" + std::to_string(p) + "/stat");
  auto close = st.rfind(')');
  return close == std::string::npos ? 0 : std::atoi(st.c_str() + close + 4);
}
// Live supervise processes whose cwd is DIR (not counting a supervise's own child between
// its fork and its exec of ./run).
size_t supervisors_of(const fs::path& dir) {
  size_t n = 0;
  std::string want = fs::canonical(dir).string();
  for (pid_t p : processes_under(dir)) {
    boost::system::error_code ec;
    auto cwd = fs::read_symlink("/proc/" + std::to_string(p) + "/cwd", ec);
    if (!ec && cwd.string() == want && is_supervise(p) && !is_supervise(parent_of(p)) &&
        process_alive(p))
      ++n;
  }
  return n;
}

// A tmpfs mounted on a directory in a private mount namespace of this test process (each
// test case runs in its own process under ctest); unmounted on destruction.
struct TmpfsMount {
  fs::path at;
  bool ok = false;
  TmpfsMount(const fs::path& dir, const std::string& opts) : at(dir) {
    if (::unshare(CLONE_NEWNS) != 0) return;
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return;
    make_dirs(dir);
    ok = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  // A read-only bind mount on top (supervise's open lock file forbids remounting the
  // tmpfs itself read-only), then gone again.
  bool read_only() {
    return ::mount(at.c_str(), at.c_str(), nullptr, MS_BIND, nullptr) == 0 &&
           ::mount(nullptr, at.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0;
  }
  bool writable() { return ::umount2(at.c_str(), MNT_DETACH) == 0; }
  ~TmpfsMount() {
    if (ok) ::umount2(at.c_str(), MNT_DETACH);
  }
};

}  // namespace

// ---- file descriptors ----

TEST_CASE("fault: svscan at its fd limit: services come and go, picked up once fds are back",
          "[fault][e2e]") {
  TempDir t;
  fs::path scan = t / "scan";
  auto add = [&](const std::string& name) {
    make_dirs(scan / name / "log");
    write_script(scan / name / "run", "echo up\nexec sleep 60\n");
    write_script(scan / name / "log" / "run", "exec cat > /dev/null\n");
  };
  make_dirs(scan);
  for (int i = 0; i < 20; ++i) add("a" + std::to_string(i));
  // A hard limit of 48 fds: fewer than two log pipes for each of 20 logged services plus
  // svscan's own (svscan then lets each supervise make its pipe).
  Tool svscan("/usr/bin/prlimit", {"--nofile=48:48", bin("svscan"), scan.string()});
  pid_t sp = svscan.pid();
  auto all_up = [&](const std::string& prefix, int from, int to) {
    for (int i = from; i < to; ++i) {
      fs::path d = scan / (prefix + std::to_string(i));
      auto st = status_of(d);
      if (!st || st->state != svkit::RunState::run || supervisors_of(d) != 1) return false;
    }
    return true;
  };
  REQUIRE(eventually(30s, [&] { return all_up("a", 0, 20); }));
  // Squeeze it: no new fd at all (the ones it holds stay open).
  REQUIRE(set_nofile(sp, 3, 48));
  for (int i = 0; i < 5; ++i) add("b" + std::to_string(i));
  pid_t a0 = pid_of(scan / "a0");
  fs::rename(scan / "a0", t / "a0");  // moved out while squeezed
  ::kill(pid_of(scan / "a1"), SIGKILL);  // a crash: supervise (not svscan) restarts it
  CHECK(eventually(10s, [&] { return svscan.err().find("unable to") != std::string::npos; }));
  CHECK(svscan.running());
  // Fds are back: everything seen while squeezed is done, with no rescan asked for.
  REQUIRE(set_nofile(sp, 48, 48));
  CHECK(eventually(30s, [&] { return all_up("b", 0, 5); }));
  CHECK(eventually(15s, [&] { return !process_alive(a0) && supervisors_of(t / "a0") == 0; }));
  // a1's restart may still wait for runit's one-second throttle (it started < 1 s ago).
  CHECK(eventually(10s, [&] { return all_up("a", 1, 20); }));
  CHECK(svscan.running());
}

TEST_CASE("fault: supervise out of fds keeps its service and recovers", "[fault][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 60\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  REQUIRE(set_nofile(sup.pid(), 3, 1024));
  ::kill(pid, SIGKILL);  // a restart with no fd to spare
  // It never spins while it cannot start the service, and never dies.
  unsigned long long before = cpu_ticks(sup.pid());
  CHECK(eventually(10s, [&] { return !sup.err().empty() || wait_running(s.dir, pid, 100ms); }));
  CHECK(sup.running());
  REQUIRE(set_nofile(sup.pid(), 1024, 1024));
  pid_t again = wait_running(s.dir, pid, 10s);
  CHECK(again);
  CHECK(cpu_ticks(sup.pid()) - before < 200);  // well under 2 s of CPU
  REQUIRE(control(s.dir, "d"));
  CHECK(stat_becomes(s.dir, "down"));
}

TEST_CASE("fault: supervise and its logger start under a 24-fd limit", "[fault][e2e]") {
  ServiceDir s;
  write_script(s / "run", "echo hello\nexec sleep 60\n");
  make_dirs(s / "log");
  write_script(s / "log" / "run", "exec cat > out\n");
  // Regression: spawn lifted the child's fds to 64 and more, EINVAL below a 65-fd limit.
  Tool sup("/usr/bin/prlimit", {"--nofile=24:24", bin("supervise"), s.str()});
  CHECK(wait_running(s.dir, 0, 10s));
  CHECK(wait_running(s / "log", 0, 10s));
  CHECK(eventually(10s, [&] { return read_file(s / "log" / "out") == "hello\n"; }));
  CHECK(sup.err().empty());
}

TEST_CASE("fault: svlogd out of fds (EMFILE at rotation) loses no line", "[fault][e2e]") {
  TempDir t;
  fs::path log = t / "log";
  make_dirs(log);
  write_file(log / "config", "s2000\nn100\n");
  // Lines come from a FIFO the test writes: svlogd is squeezed between two bursts.
  fs::path fifo = t / "in";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  Tool logger("/bin/sh", {"-c", "exec \"$0\" \"$1\" < \"$2\"", bin("svlogd"), log.string(),
                          fifo.string()});
  int w = ::open(fifo.c_str(), O_WRONLY);
  REQUIRE(w >= 0);
  auto burst = [&](int from, int to) {
    std::string text;
    for (int i = from; i < to; ++i) text += "line " + std::to_string(i) + " " + std::string(40, 'x') + "\n";
    size_t off = 0;
    while (off < text.size()) {
      ssize_t n = ::write(w, text.data() + off, text.size() - off);
      if (n > 0) off += static_cast<size_t>(n);
    }
  };
  auto lines = [&] {
    size_t n = 0;
    for (auto& e : fs::directory_iterator(log)) {
      std::string f = e.path().filename().string();
      if (f == "current" || f[0] == '@') n += lines_in(e.path());
    }
    return n;
  };
  burst(0, 100);
  REQUIRE(eventually(10s, [&] { return lines() == 100; }));
  pid_t lp = logger.pid();
  REQUIRE(set_nofile(lp, 3, 1024));
  burst(100, 1000);  // ~50 kB: rotations every 2 kB, each needing a new fd
  CHECK(eventually(10s, [&] { return logger.err().find("unable to") != std::string::npos; }));
  CHECK(logger.running());
  REQUIRE(set_nofile(lp, 1024, 1024));
  ::close(w);
  CHECK(logger.wait_exit(20s) == std::optional<int>(0));
  // Every line once, in order.
  std::vector<std::string> files;
  for (auto& e : fs::directory_iterator(log)) {
    std::string f = e.path().filename().string();
    if (f[0] == '@') files.push_back(f);
  }
  std::sort(files.begin(), files.end());
  files.push_back("current");
  std::string all;
  for (auto& f : files) all += read_file(log / f);
  auto got = split_lines(all);
  REQUIRE(got.size() == 1000);
  for (int i = 0; i < 1000; ++i)
    CHECK(got[static_cast<size_t>(i)].rfind("line " + std::to_string(i) + " ", 0) == 0);
}

// ---- disk: supervise/ on a full, then read-only, tmpfs ----

TEST_CASE("fault: supervise/ on a full or read-only tmpfs: the service is unaffected, status "
          "recovers",
          "[fault][e2e][root]") {
  REQUIRE_ROOT();
  ServiceDir s;
  TmpfsMount m(s / "supervise", "size=64k,mode=0700");
  REQUIRE(m.ok);
  write_script(s / "run", "exec sleep 60\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  // Full: a filler takes every block left.
  sh("dd if=/dev/zero of='" + (s / "supervise/fill").string() + "' bs=4k 2>/dev/null; true");
  ::kill(pid, SIGKILL);  // the restart's status write fails
  pid_t again = 0;
  REQUIRE(eventually(10s, [&] {
    again = find_process("sleep", s.dir);
    return again != 0 && again != pid;
  }));
  CHECK(eventually(5s, [&] { return sup.err().find("unable to write") != std::string::npos; }));
  REQUIRE(control(s.dir, "p"));  // commands still work (a FIFO needs no space)
  fs::remove(s / "supervise/fill");
  // Space is back: the status catches up without another event.
  CHECK(stat_becomes(s.dir, "run, paused", 10s));
  CHECK(pid_of(s.dir) == again);
  CHECK(process_alive(again));
  REQUIRE(control(s.dir, "c"));
  REQUIRE(stat_becomes(s.dir, "run"));
  // Read-only: the same.
  REQUIRE(m.read_only());
  ::kill(again, SIGKILL);
  pid_t third = 0;
  REQUIRE(eventually(10s, [&] {
    third = find_process("sleep", s.dir);
    return third != 0 && third != again;
  }));
  CHECK(sup.running());
  REQUIRE(m.writable());
  CHECK(eventually(10s, [&] { return pid_of(s.dir) == third; }));
  REQUIRE(control(s.dir, "d"));
  CHECK(stat_becomes(s.dir, "down"));
  CHECK_FALSE(process_alive(third));
  CHECK(sup.running());
}

// ---- scheduling: svscan and supervise stopped while services crash ----

TEST_CASE("fault: SIGSTOP/SIGCONT of svscan and supervise while services crash: no restart storm",
          "[fault][e2e]") {
  TempDir t;
  fs::path scan = t / "scan";
  make_dirs(scan);
  for (int i = 0; i < 3; ++i) {
    fs::path d = scan / ("c" + std::to_string(i));
    make_dirs(d);
    // Crashes 0.2 s after each start; every start appends a line.
    write_script(d / "run", "echo x >> starts\nexec sleep 0.2\n");
  }
  Tool svscan(bin("svscan"), {scan.string()});
  REQUIRE(eventually(10s, [&] { return lines_in(scan / "c2" / "starts") >= 2; }));
  auto sups = [&] {
    std::vector<pid_t> v;
    for (int i = 0; i < 3; ++i) v.push_back(find_process("supervise", scan / ("c" + std::to_string(i))));
    return v;
  };
  auto before = sups();
  for (pid_t p : before) REQUIRE(p);
  auto t0 = std::chrono::steady_clock::now();
  size_t start0 = lines_in(scan / "c0" / "starts");
  // Stop svscan and c0's supervise; kill c1's supervise meanwhile (svscan restarts it later).
  svscan.signal(SIGSTOP);
  ::kill(before[0], SIGSTOP);
  ::kill(before[1], SIGKILL);
  // Stopped for about 1.5 s: wait until c2 (running freely) started twice more.
  size_t c2 = lines_in(scan / "c2" / "starts");
  REQUIRE(eventually(10s, [&] { return lines_in(scan / "c2" / "starts") >= c2 + 2; }));
  ::kill(before[0], SIGCONT);
  svscan.signal(SIGCONT);
  // c1 gets exactly one new supervise; c0's supervise resumes; nothing is doubled.
  REQUIRE(eventually(10s, [&] {
    pid_t p = find_process("supervise", scan / "c1");
    return p && p != before[1];
  }));
  size_t mark = lines_in(scan / "c2" / "starts");
  REQUIRE(eventually(15s, [&] { return lines_in(scan / "c2" / "starts") >= mark + 3; }));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // One start a second at most (runsv's throttle), plus the one in flight.
  size_t c0_starts = lines_in(scan / "c0" / "starts") - start0;
  CHECK(c0_starts <= static_cast<size_t>(secs) + 2);
  CHECK(c0_starts >= 1);
  for (int i = 0; i < 3; ++i) CHECK(supervisors_of(scan / ("c" + std::to_string(i))) == 1);
  CHECK(find_process("supervise", scan / "c0") == before[0]);
  CHECK(svscan.running());
}

// ---- a client flooding the control FIFO ----

TEST_CASE("fault: a client flooding the control FIFO costs supervise bounded CPU",
          "[fault][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  unsigned long long before = cpu_ticks(sup.pid());
  auto t0 = std::chrono::steady_clock::now();
  // 4 s of harmless bytes (u while up) as fast as a pipe takes them.
  Tool flood("/bin/sh", {"-c", "exec timeout 4 sh -c 'yes u | tr -d \"\\n\" > \"$0\"' '" +
                                   (s / "supervise/control").string() + "'"});
  // (Another client's non-blocking write mostly finds the FIFO full while it lasts: a
  // FIFO has no fairness between writers. Only a user allowed to control the service can
  // flood it; SECURITY.md says so. The flooded supervise still sees its service crash:
  // permissions_e2e_test.cpp.)
  pid_t flood_group = flood.pid();  // timeout makes itself a process group leader
  REQUIRE(flood.wait_exit(10s));
  // timeout's exit does not mean tr's: tr (TERMed with its group) may still be inside a
  // write that puts more u bytes in the FIFO. A u read after the d below would start the
  // service again before the test sees it down, so wait until the whole group is gone.
  REQUIRE(eventually(10s, [&] { return ::kill(-flood_group, 0) < 0 && errno == ESRCH; }));
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = static_cast<double>(cpu_ticks(sup.pid()) - before) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  INFO("supervise used " << cpu << " s of CPU over " << wall << " s of flood");
  CHECK(cpu < 0.9 * wall);  // never a spinning core
  CHECK(pid_of(s.dir) == pid);  // the service was never touched
  // Served once the FIFO's backlog (up to 64 KiB of flood) is read: slow under ASan.
  REQUIRE(eventually(5s, [&] { return control(s.dir, "d"); }));
  // Seen once under ASan in CI, not reproduced since: say what was there if it recurs.
  if (!stat_becomes(s.dir, "down", 30s)) {
    std::string left = sh("pgrep -a -x 'yes|tr|timeout' || true").out;
    FAIL_CHECK("supervise/stat says " << read_file(s / "supervise/stat")
                                      << "flood processes left: " << left);
  }
}

// ---- processes: fork fails (RLIMIT_NPROC of an unprivileged supervise) ----

TEST_CASE("fault: supervise that cannot fork retries under its throttle, never spins",
          "[fault][e2e][root]") {
  REQUIRE_ROOT();
  REQUIRE_ANCHOR("/usr/bin/setpriv");
  ServiceDir s;
  write_script(s / "run", "exec sleep 60\n");
  constexpr int kUid = 64917;  // a uid no process uses: RLIMIT_NPROC counts only ours
  REQUIRE(::chown(s.dir.c_str(), kUid, kUid) == 0);
  REQUIRE(::chmod(s.tmp.path().c_str(), 0755) == 0);
  // nproc 1 (soft): supervise itself is the one process allowed, so every fork fails (EAGAIN).
  Tool sup("/usr/bin/prlimit",
           {"--nproc=1:4096", "/usr/bin/setpriv", "--reuid=" + std::to_string(kUid),
            "--regid=" + std::to_string(kUid), "--clear-groups", bin("supervise"), s.str()});
  REQUIRE(eventually(10s, [&] { return sup.err().find("unable to start") != std::string::npos; }));
  unsigned long long before = cpu_ticks(sup.pid());
  auto t0 = std::chrono::steady_clock::now();
  // About 3 s of failing forks (waited for as warnings, one per try at most once a second).
  REQUIRE(eventually(15s, [&] {
    size_t n = 0, at = 0;
    std::string e = sup.err();
    while ((at = e.find("unable to start", at)) != std::string::npos) ++n, ++at;
    return n >= 4;
  }));
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = static_cast<double>(cpu_ticks(sup.pid()) - before) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  INFO("supervise used " << cpu << " s of CPU over " << wall << " s of failing forks");
  CHECK(cpu < 0.1 * wall + 0.05);
  CHECK(sup.running());
  // Raised by its own uid (root may lack CAP_SYS_RESOURCE in a container).
  auto up = run("/usr/bin/setpriv", {"--reuid=" + std::to_string(kUid), "--regid=" + std::to_string(kUid),
                                     "--clear-groups", "/usr/bin/prlimit", "--pid",
                                     std::to_string(sup.pid()), "--nproc=4096:4096"});
  REQUIRE(up.code == 0);
  pid_t pid = wait_running(s.dir, 0, 10s);  // recovered without any command
  CHECK(pid);
  REQUIRE(control(s.dir, "d"));
  CHECK(stat_becomes(s.dir, "down"));
  CHECK_FALSE(process_alive(pid));
}

// ---- the scanner: bursts of services, svscan SIGKILLed in the middle of one ----

namespace {

// supervise processes per service directory below SCAN (a supervise's own child between
// its fork and its exec is not one): one walk of /proc.
std::map<std::string, int> supervisors_below(const fs::path& scan) {
  std::map<std::string, int> n;
  std::string prefix = fs::canonical(scan).string() + "/";
  for (pid_t p : processes_under(scan)) {
    boost::system::error_code ec;
    auto cwd = fs::read_symlink("/proc/" + std::to_string(p) + "/cwd", ec).string();
    if (ec || cwd.compare(0, prefix.size(), prefix) != 0) continue;
    if (is_supervise(p) && !is_supervise(parent_of(p)) && process_alive(p)) ++n[cwd];
  }
  return n;
}

}  // namespace

TEST_CASE("fault: bursts of services, svscan SIGKILLed mid-burst: one supervise each",
          "[fault][e2e]") {
#if defined(__SANITIZE_ADDRESS__)
  int kBurst = 60;  // each sanitized supervise maps a large shadow
#elif !SVKIT_LINUX
  int kBurst = 60;  // POSIX-only: every supervise of the second svscan runs ps to adopt
#else
  int kBurst = 300;
#endif
  // SVKIT_BURST=2000: 10,000 services in all (a run by hand, not CI's: 20,000 processes;
  // mind kernel.pid_max). The deadlines grow with it.
  if (const char* b = getenv("SVKIT_BURST")) kBurst = std::max(10, atoi(b));
  const auto scale = std::max(1, kBurst / 300);
  constexpr int kBursts = 5;
  TempDir t;
  fs::path scan = t / "scan", gone = t / "gone";
  make_dirs(scan);
  make_dirs(gone);
  auto dir = [&](int i) { return scan / ("s" + std::to_string(i)); };
  auto make = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      fs::path tmp = t / ("s" + std::to_string(i));  // complete before it appears
      make_dirs(tmp);
      write_script(tmp / "run", "exec sleep 120\n");
      fs::rename(tmp, dir(i));
    }
  };
  struct Cleanup {  // whatever runs below T (the first svscan's orphans too) ends with us
    fs::path t;
    ~Cleanup() { kill_processes_under(t); }
  } cleanup{t.path()};
  auto svscan = std::make_unique<Tool>(bin("svscan"), std::vector<std::string>{scan.string()});
  make(0, 2 * kBurst);
  // Mid-burst: half of the third burst is there, svscan is still starting supervisors.
  make(2 * kBurst, 2 * kBurst + kBurst / 2);
  svscan->signal(SIGKILL);
  REQUIRE(svscan->wait_exit(10s));
  make(2 * kBurst + kBurst / 2, 3 * kBurst);
  svscan = std::make_unique<Tool>(bin("svscan"), std::vector<std::string>{scan.string()});
  make(3 * kBurst, 4 * kBurst);
  // A burst of removals among the services the second svscan started.
  REQUIRE(eventually(60s * scale, [&] {
    auto n = supervisors_below(scan);
    for (int i = 3 * kBurst; i < 4 * kBurst; ++i)
      if (n[fs::canonical(dir(i)).string()] != 1) return false;
    return true;
  }));
  std::vector<std::string> removed;
  for (int i = 3 * kBurst; i < 3 * kBurst + kBurst / 2; ++i) {
    removed.push_back(fs::canonical(dir(i)).string());
    fs::rename(dir(i), gone / ("s" + std::to_string(i)));
  }
  make(4 * kBurst, kBursts * kBurst);
  std::string why;
  bool once = eventually(120s * scale, [&] {
    auto n = supervisors_below(scan);
    for (int i = 0; i < kBursts * kBurst; ++i) {
      if (i >= 3 * kBurst && i < 3 * kBurst + kBurst / 2) continue;
      int k = n[fs::canonical(dir(i)).string()];
      if (k != 1) {
        why = dir(i).string() + ": " + std::to_string(k) + " supervise";
        return false;
      }
    }
    return true;
  }, 200ms);
  INFO(why);
  CHECK(once);
  // The removed services' supervise processes are gone (their tree with them).
  CHECK(eventually(30s * scale, [&] {
    auto n = supervisors_below(gone);
    for (auto& [d, k] : n)
      if (k) return false;
    return true;
  }));
  CHECK(svscan->running());
  svscan->signal(SIGHUP);  // stops the ones it started; Cleanup ends the first one's
  CHECK(svscan->wait_exit(60s * scale).has_value());
}
