// SPDX-License-Identifier: MIT
// sv and svstat with svkit's policy files (issue 9, client side), against a real svkit
// supervise: up/start/enable return once a service with readiness is ready (timeout:
// otherwise), "u" reaches a service in back-off or failed, sv status keeps runit's line,
// svstat --json shows the phase, readiness, restarts, last exit and back-off.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <regex>

#include "clients_fixture.hpp"
#include "svkit/svkit_status.hpp"

using namespace clients;

namespace {

std::optional<svkit::SvkitStatus> ext(const fs::path& dir) {
  return svkit::read_svkit_status(dir.string());
}
std::string phase(const fs::path& dir) {
  auto e = ext(dir);
  return e ? e->phase : std::string();
}
uint64_t restarts(const fs::path& dir) {
  auto e = ext(dir);
  return e && e->restarts ? *e->restarts : 0;
}
bool phase_becomes(const fs::path& dir, const std::string& p, Millis t = 10s) {
  return eventually(t, [&] { return phase(dir) == p; });
}

// A run script that becomes ready (a line on fd 3) once the file ../go exists; bounded.
const std::string kReadyOnGo =
    "i=0; while [ ! -e ../go ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done\n"
    "echo >&3\nexec sleep 60\n";

// "ok: run: web: (pid 12) 0s" -> "ok: run: web: (pid P) Ns".
std::string shape(const std::string& out) {
  static const std::regex pid("\\(pid [0-9]+\\)");
  return normalize(std::regex_replace(out, pid, "(pid P)"));
}

}  // namespace

TEST_CASE("sv -w up and start return once a service with notification-fd is ready",
          "[clients][sv][policy][e2e]") {
  Rig rig(kReadyOnGo, false, true);  // down file: started by sv
  write_file(rig.dir / "notification-fd", "3\n");
  REQUIRE(rig.start(bin("supervise")));
  const std::string verb = GENERATE(as<std::string>{}, "up", "start");
  INFO("sv " << verb);
  std::vector<std::string> args = {"-w", "20", verb, "web"};
  if (verb == "start") args = {verb, "web"};  // start waits (7 s) without -w
  Tool sv(bin("sv"), args, rig.opt);
  REQUIRE(eventually(10s, [&] { return is_up(rig.dir) && phase(rig.dir) == "starting"; }));
  CHECK(ext(rig.dir)->ready == std::optional<bool>(false));
  // Up but not ready: sv is still waiting (it returns only after ../go makes it ready).
  CHECK_FALSE(sv.wait_exit(100ms).has_value());
  write_file(rig.tmp / "go", "");
  auto code = sv.wait_exit(10s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(shape(sv.out()) == "ok: run: web: (pid P) Ns, normally down\n");
  CHECK(ext(rig.dir)->ready == std::optional<bool>(true));
  // sv status keeps runit's line: nothing about readiness.
  auto st = rig.sv({"status", "web"});
  CHECK(shape(st.out) == "run: web: (pid P) Ns, normally down\n");
  REQUIRE(rig.sv({"-w", "10", "down", "web"}).code == 0);
  ::unlink((rig.tmp / "go").c_str());
}

TEST_CASE("sv up on a service that never becomes ready says timeout: as runit",
          "[clients][sv][policy][e2e]") {
  Rig rig(kReadyOnGo, false, true);
  write_file(rig.dir / "notification-fd", "3\n");
  REQUIRE(rig.start(bin("supervise")));
  auto r = rig.sv({"-w", "1", "up", "web"});
  CHECK(r.code == 1);
  CHECK(shape(r.out) == "timeout: run: web: (pid P) Ns, normally down\n");
  CHECK(is_up(rig.dir));
  CHECK(phase(rig.dir) == "starting");
  // LSB start through an /etc/init.d-style link: exit 1 on a timeout, as runit.
  make_dirs(rig.tmp / "init.d");
  fs::create_symlink(bin("sv"), rig.tmp / "init.d/web");
  auto lsb = run((rig.tmp / "init.d/web").string(), {"-w", "1", "start"}, rig.opt);
  CHECK(lsb.code == 1);
  CHECK(shape(lsb.out) == "timeout: run: web: (pid P) Ns, normally down\n");
  // A service without readiness is done when up, as before.
  Rig plain("exec sleep 60\n", false, true);
  REQUIRE(plain.start(bin("supervise")));
  auto p = plain.sv({"-w", "5", "up", "web"});
  CHECK(p.code == 0);
  CHECK(shape(p.out) == "ok: run: web: (pid P) Ns, normally down\n");
  CHECK(ext(plain.dir)->ready == std::nullopt);
}

TEST_CASE("sv up waits for readiness by ./check as well", "[clients][sv][policy][e2e]") {
  Rig rig("exec sleep 60\n", false, true);
  write_script(rig.dir / "check", "[ -e ../go ]\n");
  REQUIRE(rig.start(bin("supervise")));
  Tool sv(bin("sv"), {"-w", "20", "up", "web"}, rig.opt);
  REQUIRE(eventually(10s, [&] { return is_up(rig.dir) && phase(rig.dir) == "starting"; }));
  CHECK_FALSE(sv.wait_exit(100ms).has_value());
  write_file(rig.tmp / "go", "");
  auto code = sv.wait_exit(10s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  // sv ran ./check itself (runit's rule); supervise's own polling of it follows.
  CHECK(phase_becomes(rig.dir, "up"));
}

TEST_CASE("sv enable returns once the service is ready", "[clients][sv][policy][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "scan");
  make_dirs(tmp / "web");
  write_script(tmp / "web/run", kReadyOnGo);
  write_file(tmp / "web/notification-fd", "3\n");
  RunOptions opt;
  opt.env["SVDIR"] = (tmp / "scan").string();
  Tool scan(bin("svscan"), {(tmp / "scan").string()});
  Tool sv(bin("sv"), {"-w", "20", "enable", (tmp / "web").string()}, opt);
  REQUIRE(eventually(10s, [&] { return is_up(tmp / "web") && phase(tmp / "web") == "starting"; }));
  CHECK_FALSE(sv.wait_exit(100ms).has_value());
  write_file(tmp / "go", "");
  auto code = sv.wait_exit(10s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(shape(sv.out()) == "ok: run: web: (pid P) Ns\n");
  CHECK(run("sv", {"-w", "10", "disable", "web"}, opt).code == 0);
}

TEST_CASE("sv up and restart start a service waiting in back-off at once",
          "[clients][sv][policy][e2e]") {
  Rig rig("exit 1\n");
  write_file(rig.dir / "restart-backoff", "30000 60000\n");  // far beyond the test's waits
  rig.sup = std::make_unique<Tool>(bin("supervise"), std::vector<std::string>{rig.dir.string()});
  REQUIRE(phase_becomes(rig.dir, "backoff"));
  uint64_t before = restarts(rig.dir);
  auto e = ext(rig.dir);
  REQUIRE(e->last_exit);
  CHECK(*e->last_exit == std::make_pair(1, 0));
  // runit's line is unchanged: down, wanted up.
  auto st = rig.sv({"status", "web"});
  CHECK(shape(st.out) == "down: web: Ns, normally up, want up\n");
  if (require_anchor("/usr/bin/sv")) CHECK(normalize(run("/usr/bin/sv", {"status", "web"}, rig.opt).out) == normalize(st.out));
  // svstat --json: the phase, the time left, the last exit.
  auto js = run("svstat", {"--json", rig.dir.string()}).out;
  CHECK(js.find("\"state\":\"down\"") != std::string::npos);
  CHECK(js.find("\"phase\":\"backoff\"") != std::string::npos);
  CHECK(js.find("\"last_exit\":{\"code\":1,\"signal\":0}") != std::string::npos);
  CHECK(js.find("\"reason\":\"exit 1, restart-backoff\"") != std::string::npos);
  static const std::regex left("\"backoff_ms\":([0-9]+)");
  std::smatch m;
  REQUIRE(std::regex_search(js, m, left));
  CHECK(std::stoll(m[1]) > 1000);
  CHECK(std::stoll(m[1]) <= 60000);
  // sv up: wanted up already, but in back-off the byte is sent: it starts now.
  rig.sv({"up", "web"});
  CHECK(eventually(10s, [&] { return restarts(rig.dir) > before; }));
  REQUIRE(phase_becomes(rig.dir, "backoff"));
  before = restarts(rig.dir);
  rig.sv({"restart", "web"});
  CHECK(eventually(10s, [&] { return restarts(rig.dir) > before; }));
}

TEST_CASE("sv up starts a service that failed (restart-limit)", "[clients][sv][policy][e2e]") {
  Rig rig("exit 3\n");
  write_file(rig.dir / "restart-limit", "2 60\n");
  rig.sup = std::make_unique<Tool>(bin("supervise"), std::vector<std::string>{rig.dir.string()});
  REQUIRE(phase_becomes(rig.dir, "failed", 15s));
  auto e = ext(rig.dir);
  CHECK_FALSE(e->reason.empty());
  uint64_t before = restarts(rig.dir);
  auto js = run("svstat", {"--json", rig.dir.string()}).out;
  CHECK(js.find("\"phase\":\"failed\"") != std::string::npos);
  CHECK(js.find("\"reason\":\"" + e->reason + "\"") != std::string::npos);
  // sv up sends "u" though the wanted state is up; runit's sv would send nothing.
  auto r = rig.sv({"up", "web"});
  CHECK(r.code == 0);
  CHECK(eventually(10s, [&] { return restarts(rig.dir) > before; }));
  // Other bytes keep runit's rule: "d" is sent (the wanted state differs).
  REQUIRE(rig.sv({"-w", "10", "down", "web"}).code == 0);
  CHECK(phase_becomes(rig.dir, "down"));
}

namespace {
// The value of KEY in svstat --json's object for DIR (objects and arrays whole).
std::string json_field(const fs::path& dir, const std::string& key) {
  return svkit::test::json_field(run("svstat", {"--json", dir.string()}).out, key);
}
}  // namespace

TEST_CASE("svstat --json with svkit's supervise: readiness, restarts, last exit, waiting",
          "[clients][svstat][policy][e2e]") {
  Rig rig(kReadyOnGo);
  write_file(rig.dir / "notification-fd", "3\n");
  rig.sup = std::make_unique<Tool>(bin("supervise"), std::vector<std::string>{rig.dir.string()});
  REQUIRE(phase_becomes(rig.dir, "starting"));
  CHECK(json_field(rig.dir, "state") == "\"run\"");  // runit's word stays
  CHECK(json_field(rig.dir, "phase") == "\"starting\"");
  CHECK(json_field(rig.dir, "ready") == "false");
  CHECK(json_field(rig.dir, "ready_since") == "null");
  CHECK(json_field(rig.dir, "restarts") == "0");
  CHECK(json_field(rig.dir, "last_exit") == "null");
  CHECK(json_field(rig.dir, "reason") == "null");
  CHECK(json_field(rig.dir, "waiting_for") == "[]");
  CHECK(json_field(rig.dir, "backoff_ms") == "null");
  write_file(rig.tmp / "go", "");
  REQUIRE(phase_becomes(rig.dir, "up"));
  CHECK(json_field(rig.dir, "ready") == "true");
  double since = std::stod(json_field(rig.dir, "ready_since"));  // seconds since ready
  CHECK(since >= 0);
  CHECK(since < 10);
  pid_t pid = pid_of(rig.dir);
  REQUIRE(rig.sv({"kill", "web"}).code == 0);  // one restart, by a signal
  // (status and svkit-status are renamed into place one after the other: wait for what
  // svstat reads, not for the new pid in one file and "up" in the other.)
  CHECK(eventually(10s, [&] {
    return pid_of(rig.dir) != pid && json_field(rig.dir, "restarts") == "1" &&
           json_field(rig.dir, "ready") == "true";  // ../go is still there
  }));
  CHECK(json_field(rig.dir, "last_exit") == "{\"code\":-1,\"signal\":9}");

  // A service waiting for dependencies: phase, reason and the names.
  make_dirs(rig.tmp / "app" / "dependencies.d");
  write_script(rig.tmp / "app" / "run", "exec sleep 60\n");
  write_file(rig.tmp / "app" / "dependencies.d" / "nosuch", "");
  write_file(rig.tmp / "app" / "dependencies.d" / "web", "");
  REQUIRE(rig.sv({"-w", "10", "down", "web"}).code == 0);
  Tool app(bin("supervise"), {(rig.tmp / "app").string()});
  REQUIRE(phase_becomes(rig.tmp / "app", "waiting"));
  CHECK(json_field(rig.tmp / "app", "state") == "\"down\"");
  CHECK(json_field(rig.tmp / "app", "phase") == "\"waiting\"");
  CHECK(json_field(rig.tmp / "app", "waiting_for") == "[\"nosuch\",\"web\"]");
  CHECK(json_field(rig.tmp / "app", "reason") == "\"waiting for nosuch web\"");
  CHECK(json_field(rig.tmp / "app", "ready") == "null");  // no readiness of its own
  CHECK(json_field(rig.tmp / "app", "restarts") == "0");
}

TEST_CASE("sv enable of a service that never becomes ready says timeout:",
          "[clients][sv][policy][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "scan");
  make_dirs(tmp / "web");
  write_script(tmp / "web/run", "exec sleep 60\n");
  write_file(tmp / "web/notification-fd", "3\n");
  RunOptions opt;
  opt.env["SVDIR"] = (tmp / "scan").string();
  Tool scan(bin("svscan"), {(tmp / "scan").string()});
  auto r = run("sv", {"-w", "2", "enable", (tmp / "web").string()}, opt);
  CHECK(r.code == 1);
  CHECK(r.out == "timeout: web: supervised, not ready\n");
  CHECK(is_up(tmp / "web"));
  CHECK(phase(tmp / "web") == "starting");
  CHECK(run("sv", {"-w", "10", "disable", "web"}, opt).code == 0);
}
