// SPDX-License-Identifier: MIT
// permissions: the boundaries SECURITY.md promises, tried from outside. An unprivileged
// user (nobody, via setpriv) cannot command a root service; symlinks planted in
// supervise/ or a log directory are never followed to write elsewhere; a client that
// holds the control FIFO open or floods it does not stall supervise; the modes of the
// files supervise and svlogd create do not depend on the umask they inherit.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "supervise_fixture.hpp"

using namespace svkit::test;
using namespace svkit::test::sup;

namespace {

int mode_of(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

// Runs SCRIPT as nobody (no groups); its exit status.
int as_nobody(const std::string& script) {
  return run("/usr/bin/setpriv", {"--reuid=nobody", "--regid=nogroup", "--clear-groups", "/bin/sh",
                                  "-c", script})
      .code;
}

}  // namespace

TEST_CASE("permissions: nobody cannot command a root service", "[permissions][e2e]") {
  REQUIRE_ROOT();
  if (!require(have("/usr/bin/setpriv"), "/usr/bin/setpriv (util-linux)")) return;
  ServiceDir s;
  REQUIRE(::chmod(s.tmp.path().c_str(), 0755) == 0);
  REQUIRE(::chmod(s.dir.c_str(), 0755) == 0);
  write_script(s / "run", "exec sleep 30\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  CHECK(mode_of(s / "supervise") == 0700);
  // The service directory is reachable; supervise/ and its FIFOs are not.
  CHECK(as_nobody("test -x '" + s.str() + "'") == 0);
  CHECK(as_nobody("printf d > '" + (s / "supervise/control").string() + "'") != 0);
  CHECK(as_nobody("printf d > '" + (s / "supervise/ok").string() + "'") != 0);
  CHECK(as_nobody("/bin/kill -TERM " + std::to_string(pid)) != 0);
  CHECK(stat_of(s.dir) == "run\n");
  CHECK(pid_of(s.dir) == pid);
}

TEST_CASE("permissions: supervise never writes through a symlink planted in supervise/",
          "[permissions][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  make_dirs(s / "supervise");
  fs::path victims = s.tmp / "victims";
  make_dirs(victims);
  auto plant = [&](const std::string& name, bool existing) {
    fs::path target = victims / name;
    if (existing) write_file(target, "precious\n");
    fs::create_symlink(target, s / "supervise" / name);
    return target;
  };
  auto untouched = [&](const fs::path& target, bool existing) {
    return existing ? read_file(target) == "precious\n" : !svkit::test::exists(target);
  };
  SECTION("the .new names") {
    std::vector<std::pair<fs::path, bool>> planted;
    bool existing = false;
    for (const char* n : {"status.new", "stat.new", "pid.new", "svkit-status.new", "svkit-start.new"}) {
      planted.emplace_back(plant(n, existing), existing);
      existing = !existing;
    }
    Tool sup("supervise", {s.str()});
    pid_t pid = wait_running(s.dir);
    REQUIRE(pid);
    REQUIRE(control(s.dir, "p"));
    REQUIRE(stat_becomes(s.dir, "run, paused"));
    for (auto& [target, was] : planted) CHECK(untouched(target, was));
    CHECK(fs::is_regular_file(fs::symlink_status(s / "supervise/status")));
    REQUIRE(eventually(5s, [&] { return svkit::test::exists(s / "supervise/svkit-start"); }));
    CHECK(fs::is_regular_file(fs::symlink_status(s / "supervise/svkit-start")));
  }
  SECTION("lock, control, ok: refused (exit 111), nothing created elsewhere") {
    const char* name = GENERATE("lock", "control", "ok");
    bool existing = GENERATE(false, true);
    fs::path target = victims / name;
    bool is_lock = std::string(name) == "lock";
    if (existing && is_lock) write_file(target, "precious\n");
    if (existing && !is_lock) REQUIRE(::mkfifo(target.c_str(), 0600) == 0);
    fs::create_symlink(target, s / "supervise" / name);
    Tool sup("supervise", {s.str()});
    CHECK(sup.wait_exit(5s) == 111);
    if (!existing) CHECK_FALSE(svkit::test::exists(target));
    if (existing && is_lock) CHECK(read_file(target) == "precious\n");
  }
  SECTION("the final names: replaced by renames, the targets untouched") {
    std::vector<std::pair<fs::path, bool>> planted;
    bool existing = true;
    for (const char* n : {"status", "stat", "pid", "svkit-status", "svkit-start"}) {
      planted.emplace_back(plant(n, existing), existing);
      existing = !existing;
    }
    Tool sup("supervise", {s.str()});
    REQUIRE(wait_running(s.dir));
    REQUIRE(eventually(5s, [&] {
      return fs::is_regular_file(fs::symlink_status(s / "supervise/svkit-start"));
    }));
    for (auto& [target, was] : planted) CHECK(untouched(target, was));
  }
}

TEST_CASE("permissions: svlogd never writes outside its directory through a symlink",
          "[permissions][e2e]") {
  TempDir tmp;
  fs::path log = tmp / "log", outside = tmp / "outside";
  make_dirs(log);
  make_dirs(outside);
  SECTION("current") {
    fs::create_symlink(outside / "stolen", log / "current");
    RunOptions opt;
    opt.input = "secret line\n";
    Tool logger("svlogd", {log.string()}, opt);
    // It refuses (and keeps retrying while the symlink is there), never creates the target.
    CHECK(eventually(5s, [&] { return logger.err().find("unable to open current") != std::string::npos; }));
    CHECK_FALSE(svkit::test::exists(outside / "stolen"));
    // The symlink is removed: logging resumes, inside the directory.
    fs::remove(log / "current");
    CHECK(eventually(10s, [&] { return read_file(log / "current") == "secret line\n"; }));
    CHECK_FALSE(svkit::test::exists(outside / "stolen"));
  }
  SECTION("config") {
    write_file(outside / "config", "s100\nn2\n");
    fs::create_symlink(outside / "config", log / "config");
    RunOptions opt;
    opt.input = "a\nb\n";
    auto r = run("svlogd", {log.string()}, opt);
    CHECK(r.code == 0);
    CHECK(r.err.find("unable to read config") != std::string::npos);
    CHECK(read_file(log / "current") == "a\nb\n");
  }
  SECTION("@ rotated file") {
    // A planted rotated-file name (the oldest one, so svlogd deletes it first) that leads
    // outside: svlogd removes the link, never writes, truncates or chmods its target.
    write_file(outside / "precious", "precious\n", 0600);
    fs::create_symlink(outside / "precious", log / "@400000000000000000000000.s");
    fs::create_symlink(outside, log / "@400000000000000000000001.s");  // a directory too
    write_file(log / "config", "s100\nn2\n");
    RunOptions opt;
    for (int i = 0; i < 100; ++i) opt.input += "line " + std::to_string(i) + " of the log\n";
    auto r = run("svlogd", {log.string()}, opt);
    CHECK(r.code == 0);
    CHECK(read_file(outside / "precious") == "precious\n");
    CHECK(mode_of(outside / "precious") == 0600);
    size_t outside_files = 0;
    for (auto& e : fs::directory_iterator(outside)) outside_files += e.path() != outside / "precious";
    CHECK(outside_files == 0);
    CHECK_FALSE(svkit::test::exists(log / "@400000000000000000000000.s"));  // the oldest went
    auto current = split_lines(read_file(log / "current"));
    REQUIRE_FALSE(current.empty());
    CHECK(current.back() == "line 99 of the log");
  }
}

TEST_CASE("permissions: a client holding the control FIFO open, or flooding it, stalls nothing",
          "[permissions][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  // Opened and never written.
  int idle = ::open((s / "supervise/control").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(idle >= 0);
  int idle_ok = ::open((s / "supervise/ok").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(idle_ok >= 0);
  REQUIRE(control(s.dir, "p"));
  CHECK(stat_becomes(s.dir, "run, paused"));
  // Flooded with harmless bytes (u while up) for a bounded time, by another process.
  unsigned long long before = cpu_ticks(sup.pid());
  Tool flood("/bin/sh", {"-c", "exec timeout 3 sh -c 'yes u | tr -d \"\\n\" > \"$0\"' '" +
                                   (s / "supervise/control").string() + "'"});
  REQUIRE(eventually(5s, [&] { return cpu_ticks(sup.pid()) > before; }));
  // supervise keeps supervising during the flood: a crash is still seen and restarted.
  ::kill(pid, SIGKILL);
  pid_t again = wait_running(s.dir, pid);
  CHECK(again);
  CHECK(flood.running());
  flood.wait_exit(10s);
  // Once the flood ends, the next client is served at once.
  REQUIRE(eventually(5s, [&] { return control(s.dir, "c"); }));
  REQUIRE(stat_becomes(s.dir, "run"));
  REQUIRE(control(s.dir, "d"));
  CHECK(stat_becomes(s.dir, "down"));
  CHECK_FALSE(process_alive(again));
  ::close(idle);
  ::close(idle_ok);
}

TEST_CASE("permissions: modes of supervise's and svlogd's files ignore the umask",
          "[permissions][e2e]") {
  auto modes = [](const char* umask) {
    ServiceDir s;
    make_dirs(s / "log/main");
    write_script(s / "run", "echo hello\nexec sleep 30\n");
    write_script(s / "log/run", "exec " + bin("svlogd") + " main\n");
    Tool sup("/bin/sh", {"-c", std::string("umask ") + umask + "; exec " + bin("supervise") +
                                   " '" + s.str() + "'"});
    REQUIRE(wait_running(s.dir));
    REQUIRE(eventually(5s, [&] { return read_file(s / "log/main/current") == "hello\n" &&
                                        svkit::test::exists(s / "supervise/svkit-start"); }));
    std::string out;
    for (const char* f : {"supervise", "supervise/status", "supervise/stat", "supervise/pid",
                          "supervise/svkit-status", "supervise/svkit-start", "supervise/lock",
                          "supervise/control", "supervise/ok", "log/supervise",
                          "log/supervise/status", "log/main/current", "log/main/lock"})
      out += std::string(f) + " " + std::to_string(mode_of(s / f)) + "\n";
    return out;
  };
  std::string open = modes("000"), closed = modes("077");
  CHECK(open == closed);
  INFO(open);
  CHECK(open.find("supervise " + std::to_string(0700) + "\n") == 0);
  CHECK(open.find("supervise/status " + std::to_string(0644) + "\n") != std::string::npos);
  CHECK(open.find("supervise/control " + std::to_string(0600) + "\n") != std::string::npos);
}
