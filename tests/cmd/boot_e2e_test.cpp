// SPDX-License-Identifier: MIT
// svkit-boot: the boot units it installs, undone exactly by disable; the units pass their
// checkers; busybox init as PID 1 of a PID + mount namespace starts svscan through the
// installed inittab line, respawns it after kill -9 and the services stay up.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "harness.hpp"

using namespace svkit::test;

namespace {

const char* const kInits[] = {"systemd", "sysvinit", "busybox", "upstart",
                              "launchd", "openrc",   "rcd"};

std::string which(const std::string& tool) {
  for (const char* d : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"})
    if (have(d + tool)) return d + tool;
  return "";
}

// Every path below ROOT with its content (files) or "->target" (symlinks), sorted.
std::string snapshot(const fs::path& root) {
  std::vector<std::string> lines;
  for (fs::recursive_directory_iterator it(root), end; it != end; ++it) {
    auto rel = it->path().string().substr(root.string().size());
    struct stat st;
    ::lstat(it->path().c_str(), &st);
    std::string line = rel + " mode=" + std::to_string(st.st_mode);
    if (S_ISREG(st.st_mode)) line += " [" + read_file(it->path()) + "]";
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string all;
  for (auto& l : lines) all += l + "\n";
  return all;
}

Result boot(const std::vector<std::string>& args) { return run("svkit-boot", args); }

// Pids of live "svscan SCANDIR" processes (as seen from this PID namespace).
std::vector<pid_t> svscan_pids(const std::string& scandir) {
  std::vector<pid_t> pids;
  for (auto& e : fs::directory_iterator("/proc")) {
    auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto cmd = read_file(e.path() / "cmdline");
    auto want = std::string("svscan") + '\0' + scandir + '\0';
    if (cmd.size() >= want.size() && cmd.find(want) != std::string::npos &&
        cmd.find("svkit-boot") == std::string::npos) {
      pid_t pid = std::stoi(name);
      if (process_alive(pid)) pids.push_back(pid);
    }
  }
  return pids;
}

// "DIR: up (pid N) ..." -> N; 0 when not up.
long up_pid(const fs::path& service) {
  auto r = run("svstat", {service.string()});
  auto at = r.out.find(": up (pid ");
  if (at == std::string::npos) return 0;
  return std::atol(r.out.c_str() + at + 10);
}

}  // namespace

TEST_CASE("svkit-boot: enable installs each init unit once and disable restores the root exactly",
          "[boot][e2e]") {
  for (const char* init : kInits) {
    DYNAMIC_SECTION(init) {
      TempDir tmp;
      auto root = tmp / "root";
      make_dirs(root / "etc");
      make_dirs(root / "service");
      write_file(root / "etc/inittab", "# the admin's own lines\nid:2:initdefault:\n");
      auto before = snapshot(root);
      std::vector<std::string> args = {"--init", init, "--root", root.string(), "--scandir",
                                       "/service"};
      auto with = [&](const char* verb) {
        std::vector<std::string> a = {verb};
        a.insert(a.end(), args.begin(), args.end());
        return a;
      };
      auto st = boot(with("status"));
      CHECK(st.code == 1);
      CHECK(st.out == "not enabled\n");

      auto en = boot(with("enable"));
      REQUIRE(en.code == 0);
      CHECK(en.err == "");
      auto once = snapshot(root);
      CHECK(once != before);
      auto again = boot(with("enable"));
      CHECK(again.code == 0);
      CHECK(again.out.find("already enabled") != std::string::npos);
      CHECK(snapshot(root) == once);  // idempotent: no second line, no rewrite
      st = boot(with("status"));
      CHECK(st.code == 0);
      CHECK(st.out.rfind(std::string("enabled: ") + init + ": ", 0) == 0);

      auto inittab = read_file(root / "etc/inittab");
      auto unit = std::string(SVKIT_BIN_DIR) + "/svkit-boot run /service";
      if (std::string(init) == "busybox") {
        CHECK(inittab.find("\n::respawn:" + unit + "\n") != std::string::npos);
      } else if (std::string(init) == "sysvinit") {
        CHECK(inittab.find("\nSK:2345:respawn:" + unit + "\n") != std::string::npos);
      } else {
        CHECK(inittab == "# the admin's own lines\nid:2:initdefault:\n");
        CHECK(once.find(std::string(SVKIT_BIN_DIR) + "/svkit-boot") != std::string::npos);
      }

      auto dis = boot(with("disable"));
      CHECK(dis.code == 0);
      CHECK(snapshot(root) == before);
      auto dis2 = boot(with("disable"));
      CHECK(dis2.code == 0);
      CHECK(dis2.out == "svkit-boot: not enabled\n");
    }
  }
}

TEST_CASE("svkit-boot: switching init removes the first unit and bad input is one fatal line",
          "[boot][e2e]") {
  TempDir tmp;
  auto root = tmp / "root";
  make_dirs(root);
  auto r = tmp.str() + "/root";
  REQUIRE(boot({"enable", "--init", "systemd", "--root", r, "--scandir", "/srv/sv"}).code == 0);
  CHECK(svkit::test::exists(root / "etc/systemd/system/svkit.service"));
  CHECK(svkit::test::exists(root / "srv/sv"));  // the scan directory is made...
  CHECK(read_file(root / "var/lib/svkit/scandir-made") == "/srv/sv\n");  // ...and noted for purge
  REQUIRE(boot({"enable", "--init", "upstart", "--root", r, "--scandir", "/srv/sv"}).code == 0);
  CHECK_FALSE(svkit::test::exists(root / "etc/systemd"));
  CHECK(svkit::test::exists(root / "etc/init/svkit.conf"));
  REQUIRE(boot({"disable", "--root", r}).code == 0);
  CHECK_FALSE(svkit::test::exists(root / "etc"));
  CHECK(svkit::test::exists(root / "srv/sv"));  // a scan directory is the admin's: disable leaves it

  auto bad = boot({"enable", "--init", "smf", "--root", r});
  CHECK(bad.code == 111);
  CHECK(bad.err == "svkit-boot: fatal: unknown init system: smf\n");
  auto rel = boot({"enable", "--init", "systemd", "--root", r, "--scandir", "service"});
  CHECK(rel.code == 111);
  CHECK(count_lines(rel.err) == 1);
  CHECK(boot({"frobnicate"}).code == 100);
  CHECK(boot({}).code == 100);
  auto none = boot({"enable", "--root", r});  // nothing in this root names an init
  CHECK(none.code == 111);
  CHECK(none.err.rfind("svkit-boot: fatal: no init system recognised", 0) == 0);
  CHECK_FALSE(svkit::test::exists(root / "var/lib/svkit/boot"));
}

TEST_CASE("svkit-boot: the generated units pass their checkers", "[boot][e2e]") {
  TempDir tmp;
  auto root = tmp / "root";
  auto render = [&](const char* init) {
    make_dirs(root);
    REQUIRE(boot({"enable", "--init", init, "--root", root.string(), "--scandir", "/service"})
                .code == 0);
  };
  render("systemd");
  auto unit = root / "etc/systemd/system/svkit.service";
  auto sa = which("systemd-analyze");
  if (require(!sa.empty(), "systemd-analyze (package systemd)")) {
    auto v = run(sa, {"verify", "--man=no", unit.string()});
    CHECK(v.code == 0);
    CHECK(v.err == "");
    CHECK(v.out == "");
  }
  auto text = read_file(unit);
  CHECK(text.find("KillMode=process\n") != std::string::npos);
  CHECK(text.find("KillSignal=SIGHUP\n") != std::string::npos);
  CHECK(text.find("Restart=always\n") != std::string::npos);
  REQUIRE(boot({"disable", "--root", root.string()}).code == 0);

  render("launchd");
  auto plist = root / "Library/LaunchDaemons/org.svkit.svscan.plist";
  auto py = which("python3");
  if (require(!py.empty(), "python3")) {
    auto p = run(py, {"-c",
                      "import plistlib,sys\n"
                      "d=plistlib.load(open(sys.argv[1],'rb'))\n"
                      "assert d['Label']=='org.svkit.svscan', d\n"
                      "assert d['RunAtLoad'] is True and d['KeepAlive'] is True, d\n"
                      "print(' '.join(d['ProgramArguments']))\n",
                      plist.string()});
    CHECK(p.err == "");
    CHECK(p.code == 0);
    CHECK(p.out == std::string(SVKIT_BIN_DIR) + "/svkit-boot run /service\n");
  }
  REQUIRE(boot({"disable", "--root", root.string()}).code == 0);

  // OpenRC and rc.d scripts are shell: at least they parse (not run here).
  for (auto [init, path] : {std::pair{"openrc", "etc/init.d/svkit"},
                            std::pair{"rcd", "usr/local/etc/rc.d/svkit"}}) {
    render(init);
    CHECK(run("/bin/sh", {"-n", (root / path).string()}).code == 0);
    CHECK(fs::status(root / path).permissions() == fs::perms(0755));
    REQUIRE(boot({"disable", "--root", root.string()}).code == 0);
  }
  CHECK(run("/bin/sh", {"-n", bin("svkit-boot")}).code == 0);
}

TEST_CASE("svkit-boot run: svscan output goes to a bounded file and it becomes svscan",
          "[boot][e2e]") {
  TempDir tmp;
  auto logdir = tmp / "log";
  make_dirs(logdir);
  auto log = logdir / "svscan.log";
  write_file(log, std::string(3000, 'x') + "\nlast old line\n");
  make_dirs(tmp / "service");
  RunOptions opt;
  opt.env["SVKIT_BOOT_LOGDIR"] = logdir.string();
  opt.env["SVKIT_BOOT_LOG_MAX"] = "2048";
  opt.env["SVKIT_BOOT_TRIM_SECONDS"] = "1";
  Tool boot_run(bin("svkit-boot"), {"run", (tmp / "service").string()}, opt);
  // The process init started IS svscan (exec): init sees its death at once.
  REQUIRE(eventually(10s, [&] { return comm_of(boot_run.pid()) == "svscan"; }));
  REQUIRE(eventually(10s, [&] {
    return read_file(log).find(" starting svscan " + (tmp / "service").string()) !=
           std::string::npos;
  }));
  auto text = read_file(log);
  CHECK(text.size() < 2048);                             // trimmed at start to its last half
  CHECK(text.find("last old line\n") != std::string::npos);  // keeping the newest lines
  // Grown beyond the bound while svscan runs: the trimmer shortens it within seconds.
  {
    std::ofstream f(log.string(), std::ios::app);
    f << std::string(5000, 'y') << "\nnewest\n";
  }
  // (the trim rewrites the file in place: a reader may catch it half written, so wait)
  CHECK(eventually(15s, [&] {
    auto t = read_file(log);
    return t.size() < 2048 && t.find("yyyy\nnewest\n") != std::string::npos;
  }));
  boot_run.signal(SIGHUP);
  auto code = boot_run.wait_exit(20s);
  REQUIRE(code);
  CHECK(*code == 111);
}

TEST_CASE("svkit-boot: busybox init (PID 1) runs the installed line, respawns svscan after "
          "kill -9 and services stay up",
          "[boot][e2e]") {
  if (!require(is_root(), "root (mount and PID namespaces)")) return;
  auto busybox = which("busybox");
  auto unshare = which("unshare");
  if (!require(!busybox.empty(), "busybox (package busybox)")) return;
  if (!require(!unshare.empty(), "unshare (package util-linux)")) return;

  TempDir tmp;
  auto root = tmp / "root";
  auto scan = tmp / "service";
  make_dirs(root / "etc");
  make_dirs(scan / "a/log");
  write_script(scan / "a/run", "echo a started\nexec sleep 60");
  write_script(scan / "a/log/run", "exec cat >/dev/null");
  REQUIRE(boot({"enable", "--init", "busybox", "--root", root.string(), "--scandir",
                scan.string(), "--no-start"})
              .code == 0);
  REQUIRE(read_file(root / "etc/inittab") ==
          "::respawn:" + bin("svkit-boot") + " run " + scan.string() + "\n");

  // /etc of the namespace is the root's etc (its inittab only); /run is a fresh tmpfs.
  Tool init(unshare,
            {"--pid", "--fork", "--mount-proc", "--kill-child", "/bin/sh", "-c",
             "mount --bind " + (root / "etc").string() + " /etc && mount -t tmpfs tmpfs /run" +
                 " && exec " + busybox + " init"});
  std::vector<pid_t> first;
  REQUIRE(eventually(15s, [&] { return (first = svscan_pids(scan.string())).size() == 1; }));
  long svc = 0;
  REQUIRE(eventually(15s, [&] { return (svc = up_pid(scan / "a")) > 0; }));
  auto boot_log = fs::path("/proc") / std::to_string(first[0]) / "root/run/svkit/svscan.log";
  CHECK(read_file(boot_log).find("starting svscan " + scan.string()) != std::string::npos);

  // daemontools' svscanboot never came back from this: nothing may hold init's child.
  ::kill(first[0], SIGKILL);
  std::vector<pid_t> second;
  REQUIRE(eventually(15s, [&] {
    second = svscan_pids(scan.string());
    return second.size() == 1 && second[0] != first[0];
  }));
  CHECK(up_pid(scan / "a") == svc);  // the service was never restarted
  auto log2 = fs::path("/proc") / std::to_string(second[0]) / "root/run/svkit/svscan.log";
  CHECK(eventually(10s, [&] {
    auto t = read_file(log2);
    return t.find("starting svscan") != t.rfind("starting svscan");  // two starts logged
  }));
  // A new service is picked up by the respawned svscan.
  make_dirs(scan / "b");
  write_script(scan / "b/run", "exec sleep 60");
  CHECK(eventually(15s, [&] { return up_pid(scan / "b") > 0; }));

  REQUIRE(boot({"disable", "--root", root.string()}).code == 0);
  CHECK(read_file(root / "etc/inittab") == "");
}
