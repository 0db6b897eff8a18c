// SPDX-License-Identifier: MIT
// sv enable / disable with a real scanner (svkit's svscan; runit's runsvdir, which rescans
// only every few seconds, in one test): atomic link, waits, idempotence, errors.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "clients_fixture.hpp"

using namespace clients;

namespace {

struct Scan {
  TempDir tmp;
  fs::path scan, avail;
  RunOptions opt;
  std::unique_ptr<Tool> scanner;

  Scan() : scan(tmp / "service"), avail(tmp / "avail") {
    make_dirs(scan);
    make_dirs(avail);
    opt.env["SVDIR"] = scan.string();
    opt.cwd = avail.string();
  }
  fs::path service(const std::string& name, bool down = false) {
    make_dirs(avail / name);
    write_script(avail / name / "run", "exec sleep 60\n");
    if (down) write_file(avail / name / "down", "");
    return avail / name;
  }
  void start(const std::string& prog) {
    scanner = std::make_unique<Tool>(prog, std::vector<std::string>{scan.string()});
  }
  Result sv(const std::vector<std::string>& args) const { return run("sv", args, opt); }
};

std::string svscan() { return bin("svscan"); }

}  // namespace

TEST_CASE("sv enable links atomically and returns once the service is up",
          "[clients][sv][enable][e2e]") {
  REQUIRE(have(svscan()));
  Scan s;
  auto web = s.service("web");
  s.start(svscan());
  auto r = s.sv({"enable", "web"});
  CHECK(r.code == 0);
  CHECK(normalize(r.out) == "ok: run: web: (pid " + std::to_string(pid_of(web)) + ") Ns\n");
  CHECK(is_up(web));
  CHECK(fs::is_symlink(s.scan / "web"));
  CHECK(fs::read_symlink(s.scan / "web") == web);
  auto again = s.sv({"enable", web.string()});
  CHECK(again.code == 0);
  CHECK(again.out == "ok: web: already enabled\n");
  std::vector<std::string> entries;
  for (auto& e : fs::directory_iterator(s.scan)) entries.push_back(e.path().filename().string());
  CHECK(entries == std::vector<std::string>{"web"});  // no temporary name left behind
}

TEST_CASE("sv enable of a service with a down file waits only for supervision",
          "[clients][sv][enable][e2e]") {
  REQUIRE(have(svscan()));
  Scan s;
  auto dn = s.service("dn", true);
  s.start(svscan());
  auto r = s.sv({"enable", "./dn"});
  CHECK(r.code == 0);
  CHECK(normalize(r.out) == "ok: down: dn: Ns\n");
  CHECK(pid_of(dn) == 0);
}

TEST_CASE("sv disable removes the link and returns once supervise exited",
          "[clients][sv][enable][e2e]") {
  REQUIRE(have(svscan()));
  Scan s;
  auto web = s.service("web");
  s.start(svscan());
  REQUIRE(s.sv({"enable", "web"}).code == 0);
  pid_t service_pid = pid_of(web);
  auto r = s.sv({"disable", "web"});
  CHECK(r.code == 0);
  CHECK(r.out == "ok: web: disabled\n");
  CHECK_FALSE(svkit::test::exists(s.scan / "web"));
  CHECK(run("svok", {web.string()}).code == 100);
  CHECK(eventually(2s, [&] { return !process_alive(service_pid); }));
  auto again = s.sv({"disable", "web"});
  CHECK(again.code == 0);
  CHECK(again.out == "ok: web: already disabled\n");
}

TEST_CASE("sv enable and disable: errors are counted in the exit code",
          "[clients][sv][enable][e2e]") {
  Scan s;
  s.service("web");
  make_dirs(s.avail / "norun");
  make_dirs(s.tmp / "other/web");
  write_script(s.tmp / "other/web/run", "exec sleep 60\n");
  fs::create_symlink(s.tmp / "other/web", s.scan / "web");  // a different "web" is enabled
  make_dirs(s.scan / "real");
  auto r = s.sv({"enable", "web", "missing", "norun"});
  CHECK(r.code == 3);
  CHECK(r.out == "fail: web: another service is enabled under this name\n"
                 "fail: missing: unable to change to service directory: file does not exist\n"
                 "fail: norun: not a service directory: unable to stat run: file does not exist\n");
  auto d = s.sv({"disable", "real"});
  CHECK(d.code == 1);
  CHECK(d.out == "fail: real: unable to disable: not a symbolic link\n");
  CHECK(svkit::test::exists(s.scan / "real"));
  // no scanner runs: enable times out
  fs::remove(s.scan / "web");
  auto t = s.sv({"-w", "0", "enable", "web"});
  CHECK(t.code == 1);
  CHECK(t.out == "timeout: web: not supervised\n");
  CHECK(fs::is_symlink(s.scan / "web"));
}

TEST_CASE("sv enable and disable work with runit's runsvdir", "[clients][sv][enable][e2e]") {
  REQUIRE_ANCHOR(runit("runsvdir"));
  Scan s;
  auto web = s.service("web");
  s.start(runit("runsvdir"));
  auto r = s.sv({"-w", "15", "enable", "web"});  // runsvdir rescans every 5 s
  CHECK(r.code == 0);
  CHECK(r.out.rfind("ok: run: web: (pid ", 0) == 0);
  auto d = s.sv({"-w", "15", "disable", "web"});
  CHECK(d.code == 0);
  CHECK(d.out == "ok: web: disabled\n");
  CHECK(run("svok", {web.string()}).code == 100);
}
