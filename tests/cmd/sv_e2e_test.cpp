// SPDX-License-Identifier: MIT
// sv against a real supervisor (runit's runsv and svkit's supervise): every command, its
// output and exit code, the waits, ./check, the log sub-service, LSB mode, bad input.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "clients_fixture.hpp"

using namespace clients;

namespace {
std::string pid_str(const fs::path& dir) { return std::to_string(pid_of(dir)); }
}  // namespace

TEST_CASE("sv status prints runit's line, with the log sub-service", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig("exec sleep 60\n", true);
  REQUIRE(rig.start(supervisor));
  auto r = rig.sv({"status", "web"});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(normalize(r.out) == "run: web: (pid " + pid_str(rig.dir) + ") Ns; run: log: (pid " +
                                pid_str(rig.dir / "log") + ") Ns\n");
  // a path is used as given, and named as given
  auto p = rig.sv({"status", rig.dir.string()});
  CHECK(p.out.rfind("run: " + rig.dir.string() + ": (pid ", 0) == 0);
}

TEST_CASE("sv -w down and up wait for the state and say ok", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  REQUIRE(rig.start(supervisor));
  auto d = rig.sv({"-w", "5", "down", "web"});
  CHECK(d.code == 0);
  CHECK(normalize(d.out) == "ok: down: web: Ns, normally up\n");
  CHECK(is_down(rig.dir));
  auto s = rig.sv({"status", "web"});  // a down service is not a failure
  CHECK(s.code == 0);
  CHECK(normalize(s.out) == "down: web: Ns, normally up\n");
  auto u = rig.sv({"-w", "5", "up", "web"});
  CHECK(u.code == 0);
  CHECK(normalize(u.out) == "ok: run: web: (pid " + pid_str(rig.dir) + ") Ns\n");
  CHECK(is_up(rig.dir));
}

TEST_CASE("sv without -v sends and says nothing, up on an up service writes nothing",
          "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  REQUIRE(rig.start(supervisor));
  pid_t before = pid_of(rig.dir);
  auto r = rig.sv({"up", "web"});
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  CHECK(pid_of(rig.dir) == before);
  r = rig.sv({"down", "web"});
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  CHECK(eventually(5s, [&] { return is_down(rig.dir); }));
}

TEST_CASE("sv signal commands reach the service", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig("exec " + bin("sigecho") + "\n");
  REQUIRE(rig.start(supervisor));
  REQUIRE(eventually(5s, [&] { return rig.sup->out().find("pid ") != std::string::npos; }));
  struct Row {
    const char* cmd;
    int sig;
  };
  for (Row row : {Row{"hup", SIGHUP}, Row{"alarm", SIGALRM}, Row{"interrupt", SIGINT},
                  Row{"quit", SIGQUIT}, Row{"1", SIGUSR1}, Row{"2", SIGUSR2}}) {
    INFO(row.cmd);
    auto r = rig.sv({"-v", row.cmd, "web"});
    CHECK(r.code == 0);
    CHECK(r.out.rfind("ok: run: web: (pid ", 0) == 0);
    std::string line = "\n" + std::to_string(row.sig) + "\n";
    CHECK(eventually(5s, [&] { return rig.sup->out().find(line) != std::string::npos; }));
  }
}

TEST_CASE("sv pause and cont set the paused flag", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  REQUIRE(rig.start(supervisor));
  auto p = rig.sv({"-v", "pause", "web"});
  CHECK(p.code == 0);
  CHECK(normalize(p.out) == "ok: run: web: (pid " + pid_str(rig.dir) + ") Ns, paused\n");
  auto c = rig.sv({"-v", "cont", "web"});
  CHECK(c.code == 0);
  CHECK(normalize(c.out) == "ok: run: web: (pid " + pid_str(rig.dir) + ") Ns\n");
}

TEST_CASE("sv once runs the service once, down after once stops it", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig("exec sleep 60\n", false, true);
  REQUIRE(rig.start(supervisor));
  auto o = rig.sv({"-w", "5", "once", "web"});
  CHECK(o.code == 0);
  CHECK(normalize(o.out) ==
        "ok: run: web: (pid " + pid_str(rig.dir) + ") Ns, normally down, want down\n");
  auto d = rig.sv({"-w", "5", "down", "web"});
  CHECK(d.code == 0);
  CHECK(normalize(d.out) == "ok: down: web: Ns\n");
}

TEST_CASE("sv term restarts the service and waits for the new one", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  REQUIRE(rig.start(supervisor));
  pid_t before = pid_of(rig.dir);
  auto t = rig.sv({"-w", "5", "term", "web"});
  CHECK(t.code == 0);
  CHECK(t.out.rfind("ok: run: web: (pid ", 0) == 0);
  CHECK(pid_of(rig.dir) != before);
  CHECK(is_up(rig.dir));
}

TEST_CASE("sv restart and force-restart give a new process", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  REQUIRE(rig.start(supervisor));
  pid_t before = pid_of(rig.dir);
  auto r = rig.sv({"-w", "5", "restart", "web"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("ok: run: web: (pid ", 0) == 0);
  pid_t second = pid_of(rig.dir);
  CHECK(second != before);
  CHECK(rig.sv({"-w", "5", "force-restart", "web"}).code == 0);
  CHECK(pid_of(rig.dir) != second);
}

TEST_CASE("sv kill kills, the service comes back", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig("trap '' TERM\nexec sleep 60\n");
  REQUIRE(rig.start(supervisor));
  pid_t before = pid_of(rig.dir);
  auto r = rig.sv({"-w", "5", "kill", "web"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("ok: run: web: (pid ", 0) == 0);
  CHECK(pid_of(rig.dir) != before);
}

TEST_CASE("sv exit and shutdown end the supervisor", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig("exec sleep 60\n", true);
  REQUIRE(rig.start(supervisor));
  auto r = rig.sv({"shutdown", "web"});
  CHECK(r.code == 0);
  CHECK(r.out == "ok: web: runsv not running\n");
  CHECK(rig.sup->wait_exit(5s).has_value());
  auto again = rig.sv({"exit", "web"});  // a stopped supervisor is fine for exit
  CHECK(again.code == 0);
  CHECK(again.out == "ok: web: runsv not running\n");
  auto st = rig.sv({"status", "web"});
  CHECK(st.code == 1);
  CHECK(st.out == "fail: web: runsv not running\n");
  auto up = rig.sv({"up", "web"});
  CHECK(up.code == 1);
  CHECK(up.out == "fail: web: runsv not running\n");
}

TEST_CASE("sv check waits for ./check and times out with the status", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  // passes on its third call. supervise runs ./check too (readiness), so the count is
  // replaced by a rename: a reader never sees a truncated file.
  write_script(rig.dir / "check",
               "n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) >count.$$ && mv -f count.$$ count;"
               " [ \"$n\" -ge 2 ]\n");
  REQUIRE(rig.start(supervisor));
  auto r = rig.sv({"-w", "5", "check", "web"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("ok: run: web: (pid ", 0) == 0);
  CHECK(std::stoi(read_file(rig.dir / "count")) >= 3);

  write_script(rig.dir / "check", "exit 1\n");
  auto t = rig.sv({"-w", "1", "check", "web"});
  CHECK(t.code == 1);
  CHECK(normalize(t.out) == "timeout: run: web: (pid " + pid_str(rig.dir) + ") Ns\n");
}

TEST_CASE("sv force-stop kills a service that ignores TERM", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig("trap '' TERM\nexec sleep 60\n");
  REQUIRE(rig.start(supervisor));
  pid_t pid = pid_of(rig.dir);
  auto r = rig.sv({"-w", "1", "force-stop", "web"});
  CHECK(r.code == 1);
  CHECK(normalize(r.out) ==
        "kill: run: web: (pid " + std::to_string(pid) + ") Ns, want down, got TERM\n");
  CHECK(eventually(5s, [&] { return is_down(rig.dir); }));
}

TEST_CASE("sv counts failures over several services", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  make_dirs(rig.tmp / "plain");  // not a service
  REQUIRE(rig.start(supervisor));
  auto r = rig.sv({"status", "web", "missing", "plain", "./nothere"});
  CHECK(r.code == 3);
  auto lines = split_lines(r.out);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].rfind("run: web: (pid ", 0) == 0);
  CHECK(lines[1] == "fail: missing: unable to change to service directory: file does not exist");
  CHECK(lines[2] == "warning: plain: unable to open supervise/ok: file does not exist");
  CHECK(lines[3] == "fail: ./nothere: unable to change to service directory: file does not exist");
}

TEST_CASE("sv usage errors exit 100", "[clients][sv][e2e]") {
  const std::string usage = "usage: sv [-v] [-w sec] command service ...\n\n";
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {}, {"status"}, {"bogus", "x"}, {"reboot", "x"}, {"fast", "x"}, {"-w"}}) {
    auto r = run("sv", args);
    CHECK(r.code == 100);
    CHECK(r.out.empty());
    CHECK(r.err.size() >= usage.size());
    CHECK(r.err.compare(r.err.size() - usage.size(), usage.size(), usage) == 0);
  }
  CHECK(run("sv", {"-x", "status", "a"}).err == "sv: illegal option -- x\n" + usage);
  CHECK(run("sv", {"-w"}).err == "sv: option requires an argument -- w\n" + usage);
}

TEST_CASE("sv without permission on supervise/ warns and counts it", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  REQUIRE_ROOT();
  REQUIRE_ANCHOR("/usr/bin/setpriv");
  Rig rig;
  REQUIRE(rig.start(supervisor));
  rig.lock_supervise();
  auto r = run_as_nobody("sv", {"up", rig.dir.string()});
  CHECK(r.code == 1);
  CHECK(r.out == "warning: " + rig.dir.string() + ": unable to open supervise/ok: access denied\n");
  // with the FIFOs reachable but control not writable for others
  ::chmod((rig.dir / "supervise").c_str(), 0755);
  ::chmod((rig.dir / "supervise/ok").c_str(), 0622);
  auto c = run_as_nobody("sv", {"down", rig.dir.string()});
  CHECK(c.code == 1);
  CHECK(c.out ==
        "warning: " + rig.dir.string() + ": unable to open supervise/control: access denied\n");
  CHECK(is_up(rig.dir));
}

TEST_CASE("sv in LSB mode: /etc/init.d/NAME acts on NAME with LSB exit codes",
          "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  REQUIRE(rig.start(supervisor));
  auto init = rig.tmp / "init.d";
  make_dirs(init);
  fs::create_symlink(bin("sv"), init / "web");
  fs::create_symlink(bin("sv"), init / "nosuch");
  std::string web = (init / "web").string();
  auto st = rig.tool(web, {"status"});
  CHECK(st.code == 0);
  CHECK(st.out.rfind("run: web: (pid ", 0) == 0);
  auto stop = rig.tool(web, {"stop"});
  CHECK(stop.code == 0);
  CHECK(normalize(stop.out) == "ok: down: web: Ns, normally up\n");
  CHECK(rig.tool(web, {"status"}).code == 3);
  auto start = rig.tool(web, {"-w", "5", "start"});
  CHECK(start.code == 0);
  CHECK(start.out.rfind("ok: run: web: (pid ", 0) == 0);
  auto missing = rig.tool((init / "nosuch").string(), {"status"});
  CHECK(missing.code == 1);
  CHECK(missing.out == "fail: nosuch: unable to change to service directory: file does not exist\n");
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{{}, {"sx"}, {"bogus"}}) {
    auto u = rig.tool(web, bad);
    CHECK(u.code == 2);
    CHECK(u.err == "usage: web [-w sec] command\n\n");
  }
}

TEST_CASE("sv LSB status is 4 when the status cannot be read", "[clients][sv][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "plain");  // in SVDIR, but never supervised
  make_dirs(tmp / "init.d");
  fs::create_symlink(bin("sv"), tmp / "init.d" / "plain");
  RunOptions opt;
  opt.env["SVDIR"] = tmp.str();
  auto r = run((tmp / "init.d" / "plain").string(), {"status"}, opt);
  CHECK(r.code == 4);
  CHECK(r.out == "warning: plain: unable to open supervise/ok: file does not exist\n");
}

TEST_CASE("sv -w waits for down and up", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  REQUIRE(rig.start(supervisor));
  // how long a round takes (milliseconds, event-driven) is measured by tests/bench/sv_wait.sh
  for (int i = 0; i < 2; ++i) {
    auto down = rig.sv({"-w", "10", "down", "web"});
    CHECK(down.code == 0);
    CHECK(down.out.rfind("ok: down: web: ", 0) == 0);
    CHECK(is_down(rig.dir));
    auto up = rig.sv({"-w", "10", "up", "web"});
    CHECK(up.code == 0);
    CHECK(up.out.rfind("ok: run: web: (pid ", 0) == 0);
    CHECK(is_up(rig.dir));
  }
}

TEST_CASE("SVWAIT sets the default wait, -w overrides it", "[clients][sv][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  write_script(rig.dir / "check", "exit 1\n");
  REQUIRE(rig.start(supervisor));
  RunOptions opt = rig.opt;
  opt.env["SVWAIT"] = "0";
  auto t0 = std::chrono::steady_clock::now();
  auto r = run("sv", {"check", "web"}, opt);
  CHECK(r.code == 1);
  CHECK(r.out.rfind("timeout: run: web: (pid ", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);  // not the default 7 s wait
  write_script(rig.dir / "check", "exit 0\n");
  auto ok = run("sv", {"-w", "5", "check", "web"}, opt);
  CHECK(ok.code == 0);
  CHECK(ok.out.rfind("ok: run: web: (pid ", 0) == 0);
}
