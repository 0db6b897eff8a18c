// SPDX-License-Identifier: MIT
// svkit's clients beside the anchors on the very same service and state: runit's
// /usr/bin/sv and daemontools' /usr/bin/svstat, svc, svok must print the same bytes (the
// seconds normalised) and exit the same way. Only waits that end at once go through runit's
// sv (it polls every 420 ms).
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "clients_fixture.hpp"

using namespace clients;

namespace {

void same(const std::string& anchor, const std::string& ours, const std::vector<std::string>& args,
          const RunOptions& opt, bool compare_code = true) {
  auto a = run(anchor, args, opt);
  auto b = run(ours, args, opt);
  std::string shown;
  for (auto& s : args) shown += s + " ";
  INFO(ours << " " << shown);
  CHECK(normalize(b.out) == normalize(a.out));
  CHECK(b.err == a.err);
  if (compare_code) CHECK(b.code == a.code);
}

void same_sv(const Rig& rig, const std::vector<std::string>& args) {
  same("/usr/bin/sv", bin("sv"), args, rig.opt);
}

}  // namespace

TEST_CASE("sv status matches runit's sv in every state", "[clients][sv][interop][e2e]") {
  REQUIRE_ANCHOR("/usr/bin/sv");
  CLIENTS_SUPERVISOR();
  Rig rig("trap '' TERM\nexec sleep 60\n", true);
  make_dirs(rig.tmp / "plain");
  REQUIRE(rig.start(supervisor));
  same_sv(rig, {"status", "web"});
  same_sv(rig, {"status", "web", "missing", "plain", "./x"});
  same_sv(rig, {"-v", "up", "web"});
  same_sv(rig, {"check", "web"});
  REQUIRE(run("sv", {"pause", rig.dir.string()}).code == 0);
  REQUIRE(eventually(5s, [&] { return status_of(rig.dir)->paused; }));
  same_sv(rig, {"status", "web"});
  same_sv(rig, {"-v", "pause", "web"});
  REQUIRE(run("sv", {"cont", rig.dir.string()}).code == 0);
  REQUIRE(eventually(5s, [&] { return !status_of(rig.dir)->paused; }));
  write_file(rig.dir / "down", "");
  same_sv(rig, {"status", "web", rig.dir.string()});
  ::unlink((rig.dir / "down").c_str());
  // TERM is ignored: "want down, got TERM" stays
  REQUIRE(run("sv", {"down", rig.dir.string()}).code == 0);
  REQUIRE(eventually(5s, [&] { return status_of(rig.dir)->got_term; }));
  same_sv(rig, {"status", "web"});
  same_sv(rig, {"down", "web"});  // skipped write, same silence
  REQUIRE(run("sv", {"kill", rig.dir.string()}).code == 0);
  REQUIRE(eventually(5s, [&] { return is_down(rig.dir); }));
  same_sv(rig, {"status", "web"});
  same_sv(rig, {"-v", "down", "web"});
  same_sv(rig, {"status", "web/log"});
  same_sv(rig, {"bogus", "web"});
  same_sv(rig, {"-x", "status", "web"});
  same_sv(rig, {"-vw1", "--x", "status", "web"});  // sgetopt: any "--word" ends the options
  same_sv(rig, {"status"});
}

TEST_CASE("sv status matches runit's sv for finish and odd log directories",
          "[clients][sv][interop][e2e]") {
  REQUIRE_ANCHOR("/usr/bin/sv");
  CLIENTS_SUPERVISOR();
  Rig rig("exit 3\n");
  write_script(rig.dir / "finish", "exec sleep 60\n");
  rig.sup = std::make_unique<Tool>(supervisor, std::vector<std::string>{rig.dir.string()});
  REQUIRE(eventually(5s, [&] {
    auto s = status_of(rig.dir);
    return s && s->state == svkit::RunState::finish && s->pid;  // runsv shows pid 0 first
  }));
  same_sv(rig, {"status", "web"});
  make_dirs(rig.dir / "log");  // a log directory nobody supervises: runit's stale-record line
  same_sv(rig, {"status", "web"});
  fs::remove(rig.dir / "log");
  write_file(rig.dir / "log", "not a directory\n");
  same_sv(rig, {"status", "web"});
  rig.sup->signal(SIGKILL);  // a supervisor in finish would wait for it on TERM
  rig.sup->wait_exit(5s);
}

TEST_CASE("sv in LSB mode matches runit's sv", "[clients][sv][interop][e2e]") {
  REQUIRE_ANCHOR("/usr/bin/sv");
  CLIENTS_SUPERVISOR();
  Rig rig;
  REQUIRE(rig.start(supervisor));
  make_dirs(rig.tmp / "theirs");
  make_dirs(rig.tmp / "ours");
  fs::create_symlink("/usr/bin/sv", rig.tmp / "theirs/web");
  fs::create_symlink(bin("sv"), rig.tmp / "ours/web");
  fs::create_symlink("/usr/bin/sv", rig.tmp / "theirs/nosuch");
  fs::create_symlink(bin("sv"), rig.tmp / "ours/nosuch");
  auto cmp = [&](const std::string& name, const std::vector<std::string>& args) {
    same((rig.tmp / "theirs" / name).string(), (rig.tmp / "ours" / name).string(), args, rig.opt);
  };
  cmp("web", {"status"});
  cmp("web", {"-v", "start"});
  cmp("web", {});
  cmp("web", {"sx"});
  cmp("web", {"-q"});
  cmp("nosuch", {"status"});
  REQUIRE(run("sv", {"-w", "5", "down", rig.dir.string()}).code == 0);
  cmp("web", {"status"});
  cmp("web", {"stop"});
}

TEST_CASE("svstat matches daemontools' svstat", "[clients][svstat][interop][e2e]") {
  REQUIRE_ANCHOR("/usr/bin/svstat");
  CLIENTS_SUPERVISOR();
  Rig rig("exec sleep 60\n", true);
  make_dirs(rig.tmp / "plain");
  REQUIRE(rig.start(supervisor));
  std::string t = rig.tmp.str();
  std::vector<std::string> dirs = {t + "/web", t + "/web/log", t + "/missing", t + "/plain"};
  same("/usr/bin/svstat", bin("svstat"), dirs, rig.opt);
  REQUIRE(run("svc", {"-p", t + "/web"}).code == 0);
  REQUIRE(eventually(5s, [&] { return status_of(rig.dir)->paused; }));
  write_file(rig.dir / "down", "");
  same("/usr/bin/svstat", bin("svstat"), dirs, rig.opt);
  REQUIRE(run("svc", {"-cd", t + "/web"}).code == 0);
  REQUIRE(eventually(5s, [&] { return is_down(rig.dir); }));
  same("/usr/bin/svstat", bin("svstat"), dirs, rig.opt);
  ::unlink((rig.dir / "down").c_str());
  same("/usr/bin/svstat", bin("svstat"), dirs, rig.opt);
  same("/usr/bin/svstat", bin("svstat"), {}, rig.opt);
}

TEST_CASE("svstat exits as daemontools' svstat: running, not running, missing",
          "[clients][svstat][interop][e2e]") {
  if (!need("/usr/bin/svstat")) return;
  Rig rig;
  make_dirs(rig.tmp / "plain/supervise");
  REQUIRE(::mkfifo((rig.tmp / "plain/supervise/ok").c_str(), 0600) == 0);  // nobody holds it
  make_dirs(rig.tmp / "bare");
  REQUIRE(rig.start(bin("supervise")));
  std::string t = rig.tmp.str();
  std::vector<std::string> dirs = {t + "/web", t + "/plain", t + "/bare", t + "/missing"};
  same("/usr/bin/svstat", bin("svstat"), dirs, rig.opt);
  for (auto& d : dirs) same("/usr/bin/svstat", bin("svstat"), {d}, rig.opt);
  rig.sup.reset();  // the supervisor is gone: "supervise not running", still exit 0
  same("/usr/bin/svstat", bin("svstat"), dirs, rig.opt);
  same("/usr/bin/svstat", bin("svstat"), {t + "/web"}, rig.opt);
  CHECK(run("svstat", {t + "/web"}).code == 0);
  CHECK(run("svstat", {"-e", t + "/web"}).code == 1);
}

TEST_CASE("svc and svok match daemontools on bad input", "[clients][svc][svok][interop][e2e]") {
  REQUIRE_ANCHOR("/usr/bin/svc");
  REQUIRE_ANCHOR("/usr/bin/svok");
  TempDir tmp;
  make_dirs(tmp / "plain/supervise");
  REQUIRE(::mkfifo((tmp / "plain/supervise/control").c_str(), 0600) == 0);
  REQUIRE(::mkfifo((tmp / "plain/supervise/ok").c_str(), 0600) == 0);
  std::string p = (tmp / "plain").string(), m = (tmp / "missing").string();
  RunOptions opt;
  for (auto args : std::vector<std::vector<std::string>>{
           {"-z", p}, {"-q", p}, {}, {"-u"}, {"-u", m, p}, {"-udx", p}, {"--", "-u", p}, {"--x", "-u", p}}) {
    same("/usr/bin/svc", bin("svc"), args, opt);
  }
  for (auto args : std::vector<std::vector<std::string>>{{}, {p}, {m}, {p, m}, {tmp.str()}}) {
    same("/usr/bin/svok", bin("svok"), args, opt);
  }
  // getopt's line names svc as it was called (the base name of argv[0]).
  fs::create_symlink(bin("svc"), tmp / "control");
  fs::create_symlink("/usr/bin/svc", tmp / "theirs");
  auto ours = run((tmp / "control").string(), {"-uz", p});
  CHECK(ours.code == 100);
  CHECK(ours.err.rfind("control: illegal option -- z\nsvc options: ", 0) == 0);
  auto theirs = run((tmp / "theirs").string(), {"-uz", p});
  CHECK(theirs.code == 100);
  CHECK(ours.err.substr(7) == theirs.err.substr(6));
}

TEST_CASE("svstat and svc drive daemontools' supervise too", "[clients][svstat][svc][interop][e2e]") {
  REQUIRE_ANCHOR("/usr/bin/supervise");
  Rig rig;
  REQUIRE(rig.start("/usr/bin/supervise"));  // 18-byte status records
  std::string d = rig.dir.string();
  CHECK(normalize(run("svstat", {d}).out) ==
        d + ": up (pid " + std::to_string(pid_of(rig.dir)) + ") N seconds\n");
  CHECK(run("svc", {"-d", d}).code == 0);
  CHECK(eventually(5s, [&] { return pid_of(rig.dir) == 0; }));
  same("/usr/bin/svstat", bin("svstat"), {d}, rig.opt, false);
  // runit's sv cannot read an 18-byte record; neither can svkit's (same message)
  same_sv(rig, {"status", d});
  CHECK(run("svc", {"-x", d}).code == 0);
}

namespace {
// Links a test creates in the system's directories (/etc/service/NAME, /etc/init.d/NAME,
// /etc/service itself when it was missing); the destructor removes exactly those, also
// when an assertion ended the test.
struct SystemLinks {
  std::vector<fs::path> links;
  fs::path created_dir;
  ~SystemLinks() {
    boost::system::error_code ec;
    for (auto& l : links) fs::remove(l, ec);
    if (!created_dir.empty()) fs::remove(created_dir, ec);  // only if still empty
  }
  void link(const fs::path& target, const fs::path& at) {
    fs::create_symlink(target, at);
    links.push_back(at);
  }
};
}  // namespace

TEST_CASE("sv without SVDIR finds /etc/service: env -i /etc/init.d/NAME as runit's sv",
          "[clients][sv][interop][e2e][root]") {
  if (!need_root() || !need("/usr/bin/sv")) return;
  // runit's sv (Debian) looks in /etc/service; svkit's sv takes the first existing of
  // /service, /etc/service, /var/service, so the comparison holds only without /service.
  if (have("/service")) {
    if (svkit::test::under_ci()) FAIL("/service exists: svkit's sv would use it, runit's /etc/service");
    WARN("/service exists, test NOT run");
    return;
  }
  Rig rig;
  std::string name = "svkit-test-" + std::to_string(::getpid());
  fs::rename(rig.dir, rig.tmp / name);  // sv enable names a service by its directory
  rig.dir = rig.tmp / name;
  REQUIRE(rig.start(bin("supervise")));
  SystemLinks sys;
  if (!have("/etc/service")) {
    fs::create_directory("/etc/service");
    sys.created_dir = "/etc/service";
  }
  sys.link(rig.dir, fs::path("/etc/service") / name);
  sys.link(bin("sv"), fs::path("/etc/init.d") / name);
  make_dirs(rig.tmp / "theirs");
  fs::create_symlink("/usr/bin/sv", rig.tmp / "theirs" / name);  // same base name: LSB mode
  std::string ours = "/etc/init.d/" + name, theirs = (rig.tmp / "theirs" / name).string();
  RunOptions none;
  auto cmp = [&](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    auto x = run("/usr/bin/env", a, none);
    auto y = run("/usr/bin/env", b, none);
    INFO("env " << b[1] << " " << b.back());
    CHECK(y.code == x.code);
    CHECK(normalize(y.out) == normalize(x.out));
    CHECK(y.err == x.err);
    return y;
  };
  auto up = cmp({"-i", theirs, "status"}, {"-i", ours, "status"});
  CHECK(up.code == 0);
  CHECK(up.out.rfind("run: " + name + ": (pid ", 0) == 0);
  cmp({"-i", "/usr/bin/sv", "status", name}, {"-i", bin("sv"), "status", name});
  cmp({"-i", "/usr/bin/sv", "status", name + "-nosuch"}, {"-i", bin("sv"), "status", name + "-nosuch"});
  // enable/disable use the same directory: already there under this name.
  auto en = run("/usr/bin/env", {"-i", bin("sv"), "enable", rig.dir.string()}, none);
  CHECK(en.code == 0);
  CHECK(en.out == "ok: " + name + ": already enabled\n");
  REQUIRE(run("sv", {"-w", "5", "down", rig.dir.string()}).code == 0);
  auto down = cmp({"-i", theirs, "status"}, {"-i", ours, "status"});
  CHECK(down.code == 3);
  auto start = cmp({"-i", theirs, "start"}, {"-i", ours, "start"});
  CHECK(start.code == 0);
  CHECK(is_up(rig.dir));
}

TEST_CASE("sv check: a ./check that cannot run counts as passed, as runit's sv says",
          "[clients][sv][interop][e2e]") {
  if (!need("/usr/bin/sv")) return;
  Rig rig;
  write_file(rig.dir / "check", "#!/bin/sh\nexit 1\n", 0644);  // not executable
  REQUIRE(rig.start(bin("supervise")));
  same_sv(rig, {"-w", "2", "check", "web"});
  auto r = rig.sv({"-w", "2", "check", "web"});
  CHECK(r.code == 0);
  CHECK(r.err == "warning: unable to run web/check: access denied\n");
  // An executable ./check that prints: its output goes nowhere, its exit status counts.
  write_script(rig.dir / "check", "echo chatter\nexit 0\n");
  same_sv(rig, {"-w", "2", "check", "web"});
  CHECK(rig.sv({"-w", "2", "check", "web"}).out.find("chatter") == std::string::npos);
}
