// SPDX-License-Identifier: MIT
// daemontools' clients against a real supervisor (runsv and svkit's supervise): svstat
// (text, --json, exit status), svok, svc with every letter, bad input.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <regex>

#include "clients_fixture.hpp"
#include "svkit/status_text.hpp"
#include "svkit/svkit_status.hpp"
#include "svkit/tai64n.hpp"

using namespace clients;

namespace {
std::string json_norm(const std::string& line) {
  static const std::regex secs("\"seconds\":[0-9]+");
  return std::regex_replace(line, secs, "\"seconds\":N");
}
}  // namespace

TEST_CASE("svstat reports up, down, paused, normally down", "[clients][svstat][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  REQUIRE(rig.start(supervisor));
  std::string d = rig.dir.string();
  std::string pid = std::to_string(pid_of(rig.dir));
  auto r = run("svstat", {d});
  CHECK(r.code == 0);
  CHECK(normalize(r.out) == d + ": up (pid " + pid + ") N seconds\n");
  REQUIRE(run("svc", {"-p", d}).code == 0);
  REQUIRE(eventually(5s, [&] { return status_of(rig.dir)->paused; }));
  write_file(rig.dir / "down", "");
  CHECK(normalize(run("svstat", {d}).out) ==
        d + ": up (pid " + pid + ") N seconds, normally down, paused\n");
  ::unlink((rig.dir / "down").c_str());
  REQUIRE(run("svc", {"-cd", d}).code == 0);
  REQUIRE(eventually(5s, [&] { return is_down(rig.dir); }));
  CHECK(normalize(run("svstat", {d}).out) == d + ": down N seconds, normally up\n");
}

TEST_CASE("svstat exits 0 as daemontools, -e counts directories it could not report",
          "[clients][svstat][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  make_dirs(rig.tmp / "plain");
  REQUIRE(rig.start(supervisor));
  std::string t = rig.tmp.str();
  std::vector<std::string> dirs = {t + "/web", t + "/missing", t + "/plain"};
  auto r = run("svstat", dirs);
  CHECK(r.code == 0);
  auto lines = split_lines(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind(t + "/web: up (pid ", 0) == 0);
  CHECK(lines[1] == t + "/missing: unable to chdir: file does not exist");
  CHECK(lines[2] == t + "/plain: unable to open supervise/ok: file does not exist");
  std::vector<std::string> counted = {"-e"};
  counted.insert(counted.end(), dirs.begin(), dirs.end());
  auto e = run("svstat", counted);
  CHECK(e.code == 2);
  CHECK(normalize(e.out) == normalize(r.out));  // same lines, only the exit differs
  CHECK(run("svstat", {"-e", "--json", t + "/web", t + "/missing"}).code == 1);
  CHECK(run("svstat", {"--json", "-e", t + "/missing"}).code == 1);
  CHECK(run("svstat", {}).code == 0);
  CHECK(run("svstat", {}).out.empty());
  CHECK(run("svstat", {"-e"}).code == 0);
  // Only in front: a later "-e" is a directory, as every argument is for daemontools.
  auto late = run("svstat", {t + "/web", "-e"});
  CHECK(late.code == 0);
  CHECK(split_lines(late.out).back() == "-e: unable to chdir: file does not exist");
  rig.sup.reset();  // supervisor gone
  auto gone = run("svstat", {t + "/web"});
  CHECK(gone.code == 0);
  CHECK(gone.out == t + "/web: supervise not running\n");
  CHECK(run("svstat", {"-e", t + "/web"}).code == 1);
}

TEST_CASE("svstat --json gives one object per service, with the log", "[clients][svstat][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig("exec sleep 60\n", true);
  REQUIRE(rig.start(supervisor));
  std::string d = rig.dir.string();
  auto r = run("svstat", {"--json", d, rig.tmp.str() + "/nope"});
  CHECK(r.code == 1);
  auto lines = split_lines(r.out);
  REQUIRE(lines.size() == 2);
  std::string pid = std::to_string(pid_of(rig.dir));
  std::string log_pid = std::to_string(pid_of(rig.dir / "log"));
  // runit's runsv writes no svkit-status: phase from its state, the rest null. svkit's
  // supervise writes one: a plain service is up, has no readiness, never restarted.
  bool runsv = supervisor.find("runsv") != std::string::npos;
  std::string policy =
      runsv ? "\"ready\":null,\"ready_since\":null,\"restarts\":null,\"last_exit\":null,"
              "\"phase\":\"up\",\"reason\":null,\"waiting_for\":null,\"backoff_ms\":null"
            : "\"ready\":null,\"ready_since\":null,\"restarts\":0,\"last_exit\":null,"
              "\"phase\":\"up\",\"reason\":null,\"waiting_for\":[],\"backoff_ms\":null";
  if (!runsv && !svkit::test::exists(rig.dir / "supervise/svkit-status"))  // before H3's supervise
    policy = "\"ready\":null,\"ready_since\":null,\"restarts\":null,\"last_exit\":null,"
             "\"phase\":\"up\",\"reason\":null,\"waiting_for\":null,\"backoff_ms\":null";
  // Not watched, not asked (-m): nothing measured; the watchdog's object when the file is there.
  policy += !svkit::test::exists(rig.dir / "supervise/svkit-status")
                ? ",\"memory_bytes\":null,\"cpu_seconds\":null,\"processes\":null,"
                    "\"watchdog\":null"
                  : ",\"memory_bytes\":null,\"cpu_seconds\":null,\"processes\":null,"
                    "\"watchdog\":{\"memory_limit\":null,\"cpu_limit\":null,"
                    "\"interval_ms\":null,\"last_trip\":null}";
  CHECK(json_norm(lines[0]) ==
        "{\"name\":\"web\",\"path\":" + svkit::json_string(d) +
            ",\"supervised\":true,\"want\":\"up\",\"state\":\"run\",\"pid\":" + pid +
            ",\"seconds\":N,\"paused\":false,\"got_term\":false,\"normally_up\":true,"
            "\"error\":null," + policy + ",\"log\":{\"name\":\"log\",\"path\":" +
            svkit::json_string(d + "/log") +
            ",\"supervised\":true,\"want\":\"up\",\"state\":\"run\",\"pid\":" + log_pid +
            ",\"seconds\":N,\"paused\":false,\"got_term\":false,\"normally_up\":true,"
            "\"error\":null," + policy + "}}");
  CHECK(lines[1] ==
        "{\"name\":\"nope\",\"path\":" + svkit::json_string(rig.tmp.str() + "/nope") +
            ",\"supervised\":false,\"want\":null,\"state\":null,\"pid\":null,\"seconds\":null,"
            "\"paused\":null,\"got_term\":null,\"normally_up\":null,"
            "\"error\":\"unable to chdir: file does not exist\",\"ready\":null,"
            "\"ready_since\":null,\"restarts\":null,\"last_exit\":null,\"phase\":null,"
            "\"reason\":null,\"waiting_for\":null,\"backoff_ms\":null,\"memory_bytes\":null,"
            "\"cpu_seconds\":null,\"processes\":null,\"watchdog\":null,\"log\":null}");
}

TEST_CASE("svstat --json reads supervise/svkit-status beside runit's status",
          "[clients][svstat][e2e]") {
  // runit's runsv drives the service (it writes no svkit-status and never touches one), so
  // a hand-written file stands for what svkit's supervise writes.
  std::string runsv = runit("runsv");
  REQUIRE_ANCHOR(runsv);
  Rig rig;
  REQUIRE(rig.start(runsv));
  std::string d = rig.dir.string();
  auto field = [&](const std::string& key) {
    return json_field(run("svstat", {"--json", d}).out, key);
  };
  CHECK(field("phase") == "\"up\"");  // no file: runit's run is up
  CHECK(field("ready") == "null");
  CHECK(field("waiting_for") == "null");
  int64_t now_ms = svkit::unix_ms(svkit::tai_now());
  auto secs = [](int64_t ms) {
    char b[32];
    snprintf(b, sizeof b, "%lld.%03lld", static_cast<long long>(ms / 1000),
             static_cast<long long>(ms % 1000));
    return std::string(b);
  };
  write_file(rig.dir / "supervise/svkit-status",
             "phase backoff\nready 0\nready_since -\nrestarts 4\nlast_exit -1 15\n"
             "reason exit 1\nwaiting_for \nbackoff_until " + secs(now_ms + 60000) +
             "\nwatchdog later-key\n");
  CHECK(field("phase") == "\"backoff\"");
  CHECK(field("state") == "\"run\"");  // runit's own word stays
  CHECK(field("ready") == "false");
  CHECK(field("ready_since") == "null");
  CHECK(field("restarts") == "4");
  CHECK(field("last_exit") == "{\"code\":-1,\"signal\":15}");
  CHECK(field("reason") == "\"exit 1\"");
  CHECK(field("waiting_for") == "[]");
  auto left = std::stoll(field("backoff_ms"));
  CHECK(left > 50000);
  CHECK(left <= 60000);
  write_file(rig.dir / "supervise/svkit-status",
             "phase up\nready 1\nready_since " + secs(now_ms - 2500) +
             "\nrestarts 0\nlast_exit - -\nreason \nwaiting_for db cache\nbackoff_until -\n");
  CHECK(field("ready") == "true");
  double since = std::stod(field("ready_since"));
  CHECK(since >= 2.5);
  CHECK(since < 60);
  CHECK(field("last_exit") == "null");
  CHECK(field("reason") == "null");
  CHECK(field("waiting_for") == "[\"db\",\"cache\"]");
  CHECK(field("backoff_ms") == "null");
  write_file(rig.dir / "supervise/svkit-status", "garbage\n\x01\x02 phase\n");
  CHECK(field("phase") == "\"up\"");
  CHECK(field("restarts") == "null");
  CHECK(run("svstat", {"--json", d}).code == 0);
  // The text line is daemontools' whatever the file says.
  CHECK(normalize(run("svstat", {d}).out) ==
        d + ": up (pid " + std::to_string(pid_of(rig.dir)) + ") N seconds\n");
}

TEST_CASE("svstat --json escapes names", "[clients][svstat][e2e]") {
  TempDir tmp;
  auto odd = tmp / "a\"b\\c\td";
  make_dirs(odd);
  auto r = run("svstat", {"--json", odd.string()});
  CHECK(r.code == 1);
  CHECK(r.out.rfind("{\"name\":\"a\\\"b\\\\c\\td\",", 0) == 0);
}

TEST_CASE("svok: 0 supervised, 100 not, 111 cannot tell, usage 100", "[clients][svok][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig;
  make_dirs(rig.tmp / "plain");
  REQUIRE(rig.start(supervisor));
  CHECK(run("svok", {rig.dir.string()}).code == 0);
  CHECK(run("svok", {rig.dir.string(), "ignored"}).code == 0);
  CHECK(run("svok", {(rig.tmp / "plain").string()}).code == 100);
  auto missing = run("svok", {(rig.tmp / "missing").string()});
  CHECK(missing.code == 111);
  CHECK(missing.err ==
        "svok: fatal: unable to chdir to " + (rig.tmp / "missing").string() + ": file does not exist\n");
  auto u = run("svok", {});
  CHECK(u.code == 100);
  CHECK(u.err == "svok: usage: svok dir\n");
  rig.sup.reset();
  CHECK(run("svok", {rig.dir.string()}).code == 100);
}

TEST_CASE("svc letters reach the supervisor", "[clients][svc][e2e]") {
  CLIENTS_SUPERVISOR();
  Rig rig("exec " + bin("sigecho") + "\n");
  REQUIRE(rig.start(supervisor));
  std::string d = rig.dir.string();
  REQUIRE(eventually(5s, [&] { return rig.sup->out().find("pid ") != std::string::npos; }));
  struct Row {
    const char* opt;
    int sig;
  };
  for (Row row : {Row{"-h", SIGHUP}, Row{"-a", SIGALRM}, Row{"-i", SIGINT}}) {
    INFO(row.opt);
    auto r = run("svc", {row.opt, d});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    std::string line = "\n" + std::to_string(row.sig) + "\n";
    CHECK(eventually(5s, [&] { return rig.sup->out().find(line) != std::string::npos; }));
  }
  CHECK(run("svc", {"-p", d}).code == 0);
  CHECK(eventually(5s, [&] { return status_of(rig.dir)->paused; }));
  CHECK(run("svc", {"-c", d}).code == 0);
  CHECK(eventually(5s, [&] { return !status_of(rig.dir)->paused; }));
  CHECK(run("svc", {"-d", d}).code == 0);
  CHECK(eventually(5s, [&] { return is_down(rig.dir); }));
  CHECK(run("svc", {"-o", d}).code == 0);
  CHECK(eventually(5s, [&] {
    auto s = status_of(rig.dir);
    return s && s->pid && s->want == svkit::Want::down;
  }));
  CHECK(run("svc", {"-u", d}).code == 0);
  CHECK(eventually(5s, [&] { return status_of(rig.dir)->want == svkit::Want::up; }));
  pid_t before = pid_of(rig.dir);
  CHECK(run("svc", {"-k", d}).code == 0);
  CHECK(eventually(5s, [&] { return pid_of(rig.dir) && pid_of(rig.dir) != before; }));
  before = pid_of(rig.dir);
  CHECK(run("svc", {"-t", d}).code == 0);
  CHECK(eventually(5s, [&] { return pid_of(rig.dir) && pid_of(rig.dir) != before; }));
  CHECK(run("svc", {"-dx", d}).code == 0);
  CHECK(rig.sup->wait_exit(15s).has_value());  // runsv too, on a loaded (sanitized) run
}

TEST_CASE("svc bad input: usage 100, per-directory warnings exit 0", "[clients][svc][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "plain");
  auto u = run("svc", {"-q", tmp.str()});  // runit's q is not daemontools'
  CHECK(u.code == 100);
  CHECK(u.err ==
        "svc: illegal option -- q\nsvc options: u up, d down, o once, x exit, p pause, "
        "c continue, h hup, a alarm, i interrupt, t term, k kill\n");
  std::string m = (tmp / "missing").string(), p = (tmp / "plain").string();
  auto w = run("svc", {"-u", m, p});
  CHECK(w.code == 0);
  CHECK(w.err == "svc: warning: unable to chdir to " + m + ": file does not exist\n"
                 "svc: warning: unable to control " + p + ": file does not exist\n");
  make_dirs(tmp / "plain/supervise");
  REQUIRE(::mkfifo((tmp / "plain/supervise/control").c_str(), 0600) == 0);
  auto n = run("svc", {"-u", p});
  CHECK(n.code == 0);
  CHECK(n.err == "svc: warning: unable to control " + p + ": supervise not running\n");
  CHECK(run("svc", {}).code == 0);
}

TEST_CASE("svstat, svok, svc without permission on supervise/", "[clients][svstat][svok][svc][e2e]") {
  CLIENTS_SUPERVISOR();
  REQUIRE_ROOT();
  REQUIRE_ANCHOR("/usr/bin/setpriv");
  Rig rig;
  REQUIRE(rig.start(supervisor));
  rig.lock_supervise();
  std::string d = rig.dir.string();
  auto st = run_as_nobody("svstat", {d});
  CHECK(st.code == 0);
  CHECK(st.out == d + ": unable to open supervise/ok: access denied\n");
  CHECK(run_as_nobody("svstat", {"-e", d}).code == 1);
  auto ok = run_as_nobody("svok", {d});
  CHECK(ok.code == 111);
  CHECK(ok.err == "svok: fatal: unable to open " + d + "/supervise/ok: access denied\n");
  auto c = run_as_nobody("svc", {"-d", d});
  CHECK(c.code == 0);
  CHECK(c.err == "svc: warning: unable to control " + d + ": access denied\n");
  CHECK(is_up(rig.dir));
}
