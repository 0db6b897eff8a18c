// SPDX-License-Identifier: MIT
// svdeploy end to end with a real svscan in a scratch root: install, activate, switch,
// roll back (by hand and by the health gate), what runs where, and the log across switches.
#include <signal.h>
#include <sys/stat.h>

#include <pwd.h>
#include <unistd.h>

#include <map>
#include <regex>
#include <sstream>

#include "svdeploy_fixture.hpp"

using namespace deploytest;

namespace {

// "VERSION PID N" lines through svlogd (-tt prefixes a timestamp): per pid the numbers seen.
std::map<std::string, std::vector<long>> numbered(const std::string& log,
                                                   std::map<std::string, std::string>* version_of) {
  std::map<std::string, std::vector<long>> out;
  for (auto& line : split_lines(log)) {
    std::istringstream in(line);
    std::string stamp, version, pid;
    long n;
    if (!(in >> stamp >> version >> pid >> n)) continue;
    out[pid].push_back(n);
    (*version_of)[pid] = version;
  }
  return out;
}

const char* kCounter =
    "i=0\nwhile [ $i -lt 6000 ]; do i=$((i+1)); echo \"$SVKIT_VERSION $$ $i\"; "
    "echo $i >> \"$SVKIT_RUNTIME_DIR/data/count.$$\"; sleep 0.01; done\n";

}  // namespace

TEST_CASE("svdeploy installs two versions, switches and rolls back behind one supervise and logger",
          "[svdeploy][e2e]") {
  Scratch s;
  s.release("v1", kCounter, true);
  s.release("v2", kCounter, true);
  REQUIRE(s.deploy({"install", "app", "1.0", (s.src / "v1").string()}).code == 0);
  REQUIRE(s.deploy({"install", "app", "2.0", (s.src / "v2").string()}).code == 0);
  auto again = s.deploy({"install", "app", "1.0", (s.src / "v1").string()});
  CHECK(again.code == 0);
  CHECK(again.out.find("already installed") != std::string::npos);

  auto a1 = s.deploy({"activate", "app", "1.0"});
  REQUIRE(a1.code == 0);
  CHECK(s.active("app") == "1.0");
  auto sd = s.service_dir("app");
  auto logger = read_file(sd / "log/supervise/pid");
  auto supervise_lock_ino = fs::status(sd / "supervise/lock").permissions();
  (void)supervise_lock_ino;
  pid_t sup = find_process("supervise", sd);
  REQUIRE(sup > 0);

  auto a2 = s.deploy({"activate", "app", "2.0"});
  REQUIRE(a2.code == 0);
  CHECK(a2.out.find("app 2.0: active (was 1.0)") != std::string::npos);
  CHECK(s.active("app") == "2.0");
  CHECK(s.state("app").find("previous 1.0\n") != std::string::npos);
  pid_t pid2 = s.pid("app");
  auto state2 = s.state("app"), history2 = s.history("app");
  auto same = s.deploy({"activate", "app", "2.0"});
  CHECK(same.code == 0);
  CHECK(same.out == "app 2.0: already active\n");
  CHECK(s.pid("app") == pid2);  // nothing changed: same process, state and journal
  CHECK(s.state("app") == state2);
  CHECK(s.history("app") == history2);

  auto rb = s.deploy({"rollback", "app"});
  REQUIRE(rb.code == 0);
  CHECK(s.active("app") == "1.0");
  CHECK(s.state("app").find("previous 2.0\n") != std::string::npos);

  // The same supervise and the same logger throughout.
  CHECK(find_process("supervise", sd) == sup);
  CHECK(read_file(sd / "log/supervise/pid") == logger);

  // No line lost: for every process, the log holds 1..N where N is its last count.
  REQUIRE(s.deploy({"activate", "app", "2.0"}).code == 0);  // stops the 1.0 of the rollback
  std::map<std::string, std::string> version_of;
  auto data = s.rt / "app/data";
  std::string why;
  bool complete = eventually(10s, [&]() -> bool {
    version_of.clear();
    auto seen = numbered(read_file(s.rt / "app/log/current"), &version_of);
    if (seen.size() < 4) {
      why = "fewer than 4 processes";
      return false;
    }
    std::string now = std::to_string(s.pid("app"));
    for (auto& [pid, nums] : seen) {
      if (pid == now) continue;  // still counting
      // One appended line per number (an append survives a kill; a rewrite may not).
      long last = static_cast<long>(count_lines(read_file(data / ("count." + pid))));
      // The count file follows the echo: a process killed between the two logged one more.
      long logged = static_cast<long>(nums.size());
      if (logged != last && logged != last + 1) {
        why = "pid " + pid + " logged " + std::to_string(logged) + " counted " + std::to_string(last);
        return false;
      }
    }
    return true;
  }, 20ms);
  INFO(why);
  auto seen = numbered(read_file(s.rt / "app/log/current"), &version_of);
  CHECK(complete);
  CHECK(seen.size() >= 4);
  for (auto& [pid, nums] : seen) {
    INFO("pid " << pid << " version " << version_of[pid]);
    for (size_t i = 0; i < nums.size(); ++i) CHECK(nums[i] == static_cast<long>(i + 1));
  }
  std::string order;  // versions in the order their processes first logged
  std::map<std::string, bool> met;
  for (auto& l : split_lines(read_file(s.rt / "app/log/current"))) {
    std::istringstream in(l);
    std::string stamp, version, pid;
    if (in >> stamp >> version >> pid && !met[pid]) {
      met[pid] = true;
      order += version + ",";
    }
  }
  INFO(order);
  CHECK(order.find("1.0,2.0,1.0,2.0,") != std::string::npos);

  // What runs where: versions, state, pid, seconds in state, ready, who and when, host.
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string me = ::getpwuid(::getuid())->pw_name;
  const std::string iso = "20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z";
  auto st = s.deploy({"status", "app"});
  CHECK(st.code == 0);
  INFO(st.out);
  CHECK(std::regex_match(st.out, std::regex("app: 2\\.0 up \\(pid " + std::to_string(s.pid("app")) +
                                                 "\\) [0-9]+ s, ready -; previous 1\\.0; activated " +
                                                 iso + " by " + me + " on " + host + "\n")));
  auto js = s.deploy({"status", "--json"});
  CHECK(js.code == 0);
  INFO(js.out);
  CHECK(std::regex_match(js.out, std::regex("\\[\n\\{\"name\":\"app\",\"host\":\"" + std::string(host) +
                                                 "\",\"active\":\"2\\.0\",\"previous\":\"1\\.0\","
                                                 "\"state\":\"up\",\"pid\":" + std::to_string(s.pid("app")) +
                                                 ",\"seconds\":[0-9]+,\"ready\":null,\"activated_at\":\"" + iso +
                                                 "\",\"activated_by\":\"" + me + "\",\"note\":null\\}\n\\]\n")));
  // A fleet tool parses it.
  {
    auto o = s.opts();
    o.input = js.out;
    auto parsed = sh("command -v python3 >/dev/null || { echo no python3; exit 0; }\n"
                     "python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0][\"active\"], d[0][\"ready\"])'",
                     o);
    if (parsed.out == "no python3\n") WARN("no python3: the JSON is not parsed");
    else CHECK(parsed.out == "2.0 None\n");
  }
  auto list = s.deploy({"list", "app"});
  CHECK(list.out == "1.0 previous\n2.0 active\n");
  auto lj = s.deploy({"list", "app", "--json"});
  CHECK(lj.out.find("{\"version\":\"2.0\",\"active\":true,\"previous\":false}") != std::string::npos);
  auto h = split_lines(s.deploy({"history", "app"}).out);
  REQUIRE(h.size() == 6);
  for (auto& l : h) {  // time, user, action, from-version, to-version, result
    INFO(l);
    CHECK(std::regex_match(l, std::regex(iso + "\t" + me + "\t[a-z]+\t[^\t]+\t[^\t]+\t[^\t]+")));
  }
  CHECK(h[0].find("\tinstall\t-\t1.0\tok") != std::string::npos);
  auto hj = s.deploy({"history", "app", "--json"}).out;
  INFO(hj);
  CHECK(count_lines(hj) == 8);  // [, six objects, ]
  CHECK(std::regex_search(hj, std::regex("^\\[\n\\{\"time\":\"" + iso + "\",\"user\":\"" + me +
                                             "\",\"action\":\"install\",\"from\":null,\"to\":\"1\\.0\","
                                             "\"result\":\"ok\"\\},\n")));
  CHECK(hj.find("\"action\":\"rollback\",\"from\":\"2.0\",\"to\":\"1.0\",\"result\":\"ok\"}") !=
        std::string::npos);
  CHECK(h[2].find("\tactivate\t-\t1.0\tok") != std::string::npos);
  CHECK(h[3].find("\tactivate\t1.0\t2.0\tok") != std::string::npos);
  CHECK(h[4].find("\trollback\t2.0\t1.0\tok") != std::string::npos);
  // The service saw its runtime directory, version and instance.
  for (const char* sub : {"log", "etc", "data", "run", "console"})
    CHECK(fs::is_directory(s.rt / "app" / sub));
}

TEST_CASE("svdeploy rolls back a version that exits at once", "[svdeploy][e2e]") {
  Scratch s;
  s.release("good", steady());
  s.release("bad", "echo broken; exit 3\n");
  REQUIRE(s.deploy({"install", "app", "1.4.2", (s.src / "good").string()}).code == 0);
  REQUIRE(s.deploy({"install", "app", "1.5.0", (s.src / "bad").string()}).code == 0);
  REQUIRE(s.deploy({"activate", "app", "1.4.2"}).code == 0);
  auto r = s.deploy({"activate", "app", "1.5.0"});
  CHECK(r.code == 1);
  CHECK(r.err.rfind("svdeploy: fatal: rolled back to 1.4.2: 1.5.0 exited 3 times within ", 0) == 0);
  CHECK(count_lines(r.err) == 1);
  CHECK(s.active("app") == "1.4.2");
  CHECK(eventually(5s, [&] { return s.pid("app") > 0 && s.running_version("app") == "1.4.2"; }));
  auto h = s.history("app");
  CHECK(h.find("\tactivate\t1.4.2\t1.5.0\tunhealthy: 1.5.0 exited 3 times") != std::string::npos);
  CHECK(h.find("\trollback\t1.5.0\t1.4.2\tok") != std::string::npos);
  CHECK(fs::read_symlink(s.store / "app/current").string() == "1.4.2");
  CHECK(fs::read_symlink(s.service_dir("app") / "current").string() == "../current");
}

TEST_CASE("svdeploy rolls back a version that crashes after 1 s", "[svdeploy][e2e]") {
  Scratch s;
  s.settle = 2;
  s.release("good", steady());
  auto crash = s.release("crash", "echo >&3\nsleep 1\nexit 7\n");  // ready, then gone
  write_file(crash / "notification-fd", "3\n");
  REQUIRE(s.deploy({"install", "app", "1", (s.src / "good").string()}).code == 0);
  REQUIRE(s.deploy({"install", "app", "2", (s.src / "crash").string()}).code == 0);
  REQUIRE(s.deploy({"activate", "app", "1"}).code == 0);
  auto r = s.deploy({"activate", "app", "2", "-w", "20"});
  CHECK(r.code == 1);
  CHECK(r.err.rfind("svdeploy: fatal: rolled back to 1: 2 exited 3 times within ", 0) == 0);
  CHECK(s.active("app") == "1");
  CHECK(s.history("app").find("\tactivate\t1\t2\tunhealthy: 2 exited 3 times within ") != std::string::npos);
  CHECK(s.history("app").find("\trollback\t2\t1\tok") != std::string::npos);
  CHECK(eventually(5s, [&] { return s.pid("app") > 0 && s.running_version("app") == "1"; }));
}

TEST_CASE("svdeploy: a first version that fails leaves the service stopped, exit 2",
          "[svdeploy][e2e]") {
  Scratch s;
  s.release("bad", "exit 1\n");
  REQUIRE(s.deploy({"install", "app", "1", (s.src / "bad").string()}).code == 0);
  auto r = s.deploy({"activate", "app", "1"});
  CHECK(r.code == 2);
  CHECK(r.err.find("no previous version: app stopped") != std::string::npos);
  CHECK(s.active("app") == "");
  CHECK(eventually(5s, [&] {
    auto st = s.status("app");
    return st && st->state == svkit::RunState::down && st->want == svkit::Want::down;
  }));
  // A good version then activates normally.
  s.release("good", steady());
  REQUIRE(s.deploy({"install", "app", "2", (s.src / "good").string()}).code == 0);
  CHECK(s.deploy({"activate", "app", "2"}).code == 0);
  CHECK(eventually(5s, [&] { return s.running_version("app") == "2"; }));
}

TEST_CASE("svdeploy: without a supervise the health gate fails at the deadline", "[svdeploy][e2e]") {
  Scratch s(false);  // no svscan
  s.release("good", steady());
  REQUIRE(s.deploy({"install", "app", "1", (s.src / "good").string()}).code == 0);
  auto r = s.deploy({"activate", "app", "1", "-w", "0.3"});
  CHECK(r.code == 2);
  CHECK(r.err.find("app is not supervised within 0.3 s (is svscan watching ") != std::string::npos);
}

TEST_CASE("svdeploy: kill -9 at each point leaves one complete version, the next command repairs",
          "[svdeploy][e2e]") {
  Scratch s;
  s.release("v1", steady());
  s.release("v2", steady());
  REQUIRE(s.deploy({"install", "app", "1", (s.src / "v1").string()}).code == 0);
  REQUIRE(s.deploy({"activate", "app", "1"}).code == 0);

  auto stopped = [](pid_t pid) {
    return read_file("/proc/" + std::to_string(pid) + "/stat").find(") T ") != std::string::npos;
  };
  auto kill_at = [&](const std::string& point, const std::vector<std::string>& args) {
    INFO("point " << point);
    auto o = s.opts({{"SVDEPLOY_TEST_STOP", point}});
    Tool t(bin("svdeploy"), args, o);
    REQUIRE(eventually(20s, [&] { return stopped(t.pid()); }));
    t.signal(SIGKILL);
    REQUIRE(t.wait_exit(5s));
  };

  SECTION("during install") {
    kill_at("install-copied", {"install", "app", "2", (s.src / "v2").string()});
    CHECK_FALSE(svkit::test::exists(s.store / "app/2"));
    auto l = s.deploy({"list", "app"});
    CHECK(l.out == "1 active\n");
    auto r = s.deploy({"install", "app", "2", (s.src / "v2").string()});
    CHECK(r.code == 0);
    CHECK(r.err.find("removed .tmp-2-") != std::string::npos);
    CHECK(r.out.find("app 2: installed") != std::string::npos);
  }
  SECTION("during the automatic rollback of a failed version") {
    s.release("bad", "exit 3\n");
    REQUIRE(s.deploy({"install", "app", "bad", (s.src / "bad").string()}).code == 0);
    kill_at("rolling-back", {"activate", "app", "bad"});
    CHECK(s.active("app") == "1");
    CHECK(fs::read_symlink(s.store / "app/current").string() == "bad");
    auto l = s.deploy({"list", "app"});  // reports and repairs
    CHECK(l.out == "1 active\nbad\n");
    CHECK(l.err == "svdeploy: warning: app: an interrupted activate of bad was undone; 1 is active\n");
    CHECK(fs::read_symlink(s.store / "app/current").string() == "1");
    CHECK(eventually(10s, [&] { return s.pid("app") > 0 && s.running_version("app") == "1"; }));
    auto h = s.history("app");
    CHECK(h.find("\tactivate\t1\tbad\tunhealthy: bad exited 3 times") != std::string::npos);
    CHECK(h.find("\trepair\tbad\t1\tinterrupted activate undone\n") != std::string::npos);
  }
  SECTION("before the switch, after it, and during the health wait") {
    REQUIRE(s.deploy({"install", "app", "2", (s.src / "v2").string()}).code == 0);
    for (const char* point : {"before-switch", "after-switch", "health-wait"}) {
      INFO(point);
      kill_at(point, {"activate", "app", "2"});
      CHECK(s.active("app") == "1");
      CHECK(svkit::test::exists(s.store / "app/.intent"));
      auto st = s.deploy({"status", "app"});  // reports and repairs
      CHECK(st.code == 0);
      CHECK(st.err.find("svdeploy: warning: app: an interrupted activate of 2 was") != std::string::npos);
      CHECK(st.out.rfind("app: 1 ", 0) == 0);
      CHECK_FALSE(svkit::test::exists(s.store / "app/.intent"));
      CHECK(fs::read_symlink(s.store / "app/current").string() == "1");
      CHECK(eventually(10s, [&] { return s.pid("app") > 0 && s.running_version("app") == "1"; }));
      CHECK(s.history("app").find("\trepair\t2\t1\tinterrupted activate") != std::string::npos);
    }
    CHECK(s.deploy({"activate", "app", "2"}).code == 0);
    CHECK(eventually(5s, [&] { return s.running_version("app") == "2"; }));
    // A rollback killed in its health wait: undone the same way.
    kill_at("health-wait", {"rollback", "app"});
    CHECK(s.active("app") == "2");
    auto h = s.deploy({"history", "app"});
    CHECK(h.err.find("svdeploy: warning: app: an interrupted rollback of 1 was undone; 2 is active") !=
          std::string::npos);
    CHECK(fs::read_symlink(s.store / "app/current").string() == "2");
    CHECK(eventually(10s, [&] { return s.pid("app") > 0 && s.running_version("app") == "2"; }));
    CHECK(h.out.find("\trepair\t1\t2\tinterrupted rollback undone") != std::string::npos);
  }
}

TEST_CASE("svdeploy: concurrent commands on one service never interleave", "[svdeploy][e2e]") {
  Scratch s;
  s.release("v1", steady());
  s.release("v2", steady());
  s.release("v3", steady());
  for (auto v : {"1", "2", "3"})
    REQUIRE(s.deploy({"install", "app", v, (s.src / ("v" + std::string(v))).string()}).code == 0);
  REQUIRE(s.deploy({"activate", "app", "1"}).code == 0);

  // A holder stopped in its health wait keeps the lock: the second gives up with a clear line.
  {
    Tool holder(bin("svdeploy"), {"activate", "app", "2"}, s.opts({{"SVDEPLOY_TEST_STOP", "health-wait"}}));
    REQUIRE(eventually(20s, [&] {
      return read_file("/proc/" + std::to_string(holder.pid()) + "/stat").find(") T ") != std::string::npos;
    }));
    auto r = s.deploy({"activate", "app", "3", "-w", "0.2"});
    CHECK(r.code == 111);
    CHECK(r.err == "svdeploy: fatal: app is locked by another svdeploy (pid " +
                       std::to_string(holder.pid()) +
                       " user root); try again later or wait longer with -w\n");
    holder.signal(SIGKILL);
    holder.wait_exit(5s);
  }
  // Two at once: both complete, one after the other.
  Tool a(bin("svdeploy"), {"activate", "app", "2"}, s.opts());
  Tool b(bin("svdeploy"), {"activate", "app", "3"}, s.opts());
  auto ca = a.wait_exit(60s), cb = b.wait_exit(60s);
  REQUIRE(ca);
  REQUIRE(cb);
  CHECK(*ca == 0);
  CHECK(*cb == 0);
  auto h = split_lines(s.history("app"));
  std::vector<std::string> acts;
  for (auto& l : h)
    if (l.find("\tactivate\t") != std::string::npos) acts.push_back(l.substr(l.find("\tactivate\t")));
  REQUIRE(acts.size() >= 3);
  // Each activate starts from what the one before it left.
  std::string last = s.active("app");
  CHECK((last == "2" || last == "3"));
  CHECK((acts.back() == "\tactivate\t2\t3\tok" || acts.back() == "\tactivate\t3\t2\tok"));
}

TEST_CASE("svdeploy waits for readiness and rolls back a version that never becomes ready",
          "[svdeploy][e2e]") {
  Scratch s;
  auto good = s.release("good", "sleep 0.01\necho >&3\n" + steady());
  write_file(good / "notification-fd", "3\n");
  auto never = s.release("never", steady());
  write_file(never / "notification-fd", "3\n");
  REQUIRE(s.deploy({"install", "app", "1", good.string()}).code == 0);
  REQUIRE(s.deploy({"install", "app", "2", never.string()}).code == 0);
  REQUIRE(s.deploy({"activate", "app", "1"}).code == 0);
  // supervise (svkit-status) reports readiness; the policy file follows ./current.
  REQUIRE(svkit::test::exists(s.service_dir("app") / "supervise/svkit-status"));
  CHECK(fs::read_symlink(s.service_dir("app") / "notification-fd").string() == "current/notification-fd");
  auto st = s.deploy({"status", "app", "--json"});
  CHECK(st.out.find("\"ready\":true") != std::string::npos);
  auto r = s.deploy({"activate", "app", "2", "-w", "4.5"});
  CHECK(r.code == 1);
  CHECK(r.err == "svdeploy: fatal: rolled back to 1: 2 not ready within 4.5 s\n");
  CHECK(s.active("app") == "1");
  CHECK(s.history("app").find("\tactivate\t1\t2\tunhealthy: 2 not ready within 4.5 s\n") != std::string::npos);
  CHECK(eventually(5s, [&] { return s.running_version("app") == "1"; }));
  st = s.deploy({"status", "app"});
  CHECK(st.out.find(", ready 1;") != std::string::npos);

  // Readiness through runit's ./check (run by supervise): one that never passes.
  auto failing = s.release("failing", steady());
  write_script(failing / "check", "exit 1\n");
  REQUIRE(s.deploy({"install", "app", "3", failing.string()}).code == 0);
  r = s.deploy({"activate", "app", "3", "-w", "4.5"});
  CHECK(r.code == 1);
  CHECK(r.err == "svdeploy: fatal: rolled back to 1: 3 not ready within 4.5 s\n");
  CHECK(s.active("app") == "1");
  CHECK_FALSE(svkit::test::exists(s.service_dir("app") / "check"));  // 1 has none
  CHECK(eventually(5s, [&] { return s.running_version("app") == "1"; }));
}

TEST_CASE("svdeploy remove and prune keep the active and the previous version", "[svdeploy][e2e]") {
  Scratch s;
  s.settle = 0.1;
  s.release("v", steady());
  for (auto v : {"1", "2", "3", "4", "5"})
    REQUIRE(s.deploy({"install", "app", v, (s.src / "v").string()}).code == 0);
  // A service writes in its release directory (it runs there): the install order stays.
  write_file(s.store / "app/1/written-by-the-service", "x");
  CHECK(s.deploy({"list", "app"}).out == "1\n2\n3\n4\n5\n");
  REQUIRE(s.deploy({"activate", "app", "2"}).code == 0);
  REQUIRE(s.deploy({"activate", "app", "4"}).code == 0);
  auto r = s.deploy({"remove", "app", "2"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: app 2 is the previous version (rollback target); not removed\n");
  r = s.deploy({"remove", "app", "3"});
  CHECK(r.code == 0);
  CHECK(r.out == "app 3: removed\n");
  CHECK(s.deploy({"list", "app"}).out == "1\n2 previous\n4 active\n5\n");
  for (const char* bad : {"2.5", "-1", "x", ""}) {
    r = s.deploy({"prune", "app", "--keep", bad});
    CHECK(r.code == 100);
    CHECK(r.err == "svdeploy: fatal: --keep needs a whole number, not '" + std::string(bad) + "'\n");
  }
  r = s.deploy({"prune", "app"});
  CHECK(r.err == "svdeploy: fatal: prune needs --keep N\n");
  CHECK(s.deploy({"list", "app"}).out == "1\n2 previous\n4 active\n5\n");
  r = s.deploy({"prune", "app", "--keep", "3"});
  CHECK(r.code == 0);
  CHECK(r.out == "app 1: removed\n");
  CHECK(s.deploy({"list", "app"}).out == "2 previous\n4 active\n5\n");
  CHECK(s.deploy({"prune", "app", "--keep", "0"}).code == 0);
  CHECK(s.deploy({"list", "app"}).out == "2 previous\n4 active\n");
  CHECK(s.history("app").find("\tremove\t3\t-\tok\n") != std::string::npos);
  CHECK(s.history("app").find("\tprune\t5\t-\tok\n") != std::string::npos);
  CHECK(fs::is_directory(s.rt / "app/data"));  // the runtime directory stays

  // Only purge removes it, and only once the service is neither linked nor supervised.
  write_file(s.rt / "app/data/keep", "x");
  auto p = s.deploy({"purge", "app"});
  CHECK(p.code == 100);
  CHECK(p.err == "svdeploy: fatal: app is linked as " + (s.scan / "app").string() +
                     "; disable it first (sv disable app)\n");
  CHECK(read_file(s.rt / "app/data/keep") == "x");
  RunOptions o;
  o.env["SVDIR"] = s.scan.string();
  auto dis = run(bin("sv"), {"disable", "app"}, o);
  REQUIRE(dis.code == 0);
  p = s.deploy({"purge", "app"});
  CHECK(p.code == 0);
  CHECK(p.out == "app: purged (releases, state, journal and runtime directory removed)\n");
  CHECK_FALSE(svkit::test::exists(s.rt / "app"));
  CHECK_FALSE(svkit::test::exists(s.store / "app"));
  CHECK(s.deploy({"status"}).out == "");
  CHECK(s.deploy({"purge", "app"}).err == "svdeploy: fatal: app: no such service in " + s.store.string() + "\n");
}

TEST_CASE("svdeploy links into the scan directory as sv enable does", "[svdeploy][e2e]") {
  Scratch s;
  s.release("v1", steady());
  REQUIRE(s.deploy({"install", "app", "1", (s.src / "v1").string()}).code == 0);
  // Made under a dot name (a scanner ignores it), then renamed into place.
  Tool t(bin("svdeploy"), {"activate", "app", "1"}, s.opts({{"SVDEPLOY_TEST_STOP", "link-made"}}));
  REQUIRE(eventually(20s, [&] {
    return read_file("/proc/" + std::to_string(t.pid()) + "/stat").find(") T ") != std::string::npos;
  }));
  std::vector<std::string> names;
  for (auto& e : fs::directory_iterator(s.scan)) names.push_back(e.path().filename().string());
  REQUIRE(names.size() == 1);
  CHECK(names[0] == ".app.svdeploy-" + std::to_string(t.pid()));
  t.signal(SIGCONT);
  auto code = t.wait_exit(30s);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(fs::read_symlink(s.scan / "app") == s.service_dir("app"));
  CHECK_FALSE(svkit::test::exists(s.scan / names[0]));

  // Never over another service of the same name: refused before anything changes.
  auto other = s.tmp / "other";
  make_dirs(other);
  write_file(other / "down", "");
  write_script(other / "run", "exec sleep 60\n");
  fs::create_symlink(other, s.scan / "web");
  REQUIRE(s.deploy({"install", "web", "1", (s.src / "v1").string()}).code == 0);
  auto r = s.deploy({"activate", "web", "1"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: another service is linked as " + (s.scan / "web").string() + "\n");
  CHECK_FALSE(svkit::test::exists(s.service_dir("web")));
  CHECK_FALSE(svkit::test::exists(s.store / "web/.intent"));
  CHECK(fs::read_symlink(s.scan / "web") == other);
  CHECK(s.history("web").find("activate") == std::string::npos);
}

TEST_CASE("svdeploy: the settle time is 2 s unless set", "[svdeploy][e2e]") {
  Scratch s;
  s.release("v1", steady());
  REQUIRE(s.deploy({"install", "app", "1", (s.src / "v1").string()}).code == 0);
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(s.deploy({"activate", "app", "1"}, {{"SVDEPLOY_SETTLE", ""}}).code == 0);
  // A lower bound only: healthy means up for the whole settle time.
  CHECK(std::chrono::steady_clock::now() - t0 >= 2s);
  CHECK(s.pid("app") > 0);
}

TEST_CASE("svdeploy: root directories come from options over variables over the configuration",
          "[svdeploy][e2e]") {
  Scratch s;
  s.release("v1", steady());
  // Variables point elsewhere; the options win.
  std::map<std::string, std::string> elsewhere{{"SVDEPLOY_STORE", (s.tmp / "env-store").string()},
                                               {"SVDEPLOY_RUNTIME", (s.tmp / "env-run").string()},
                                               {"SVDEPLOY_SCANDIR", (s.tmp / "env-scan").string()}};
  std::vector<std::string> flags{"--store", s.store.string(), "--runtime=" + s.rt.string(),
                                 "--scandir", s.scan.string()};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), flags.begin(), flags.end());
    return s.deploy(args, elsewhere);
  };
  REQUIRE(with({"install", "app", "1", (s.src / "v1").string()}).code == 0);
  REQUIRE(with({"activate", "app", "1"}).code == 0);
  CHECK(fs::read_symlink(s.scan / "app") == s.service_dir("app"));
  CHECK(fs::is_directory(s.rt / "app/data"));
  CHECK(eventually(5s, [&] { return s.running_version("app") == "1"; }));
  for (auto& [k, v] : elsewhere) CHECK_FALSE(svkit::test::exists(v));
  // Variables over the configuration file; the file over the compiled-in defaults.
  write_file(s.tmp / "svdeploy.conf", "store = " + (s.tmp / "conf-store").string() + "\n");
  auto r = s.deploy({"list", "app"}, {{"SVDEPLOY_STORE", ""}});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: app: no such service in " + (s.tmp / "conf-store").string() + "\n");
  CHECK(s.deploy({"list", "app"}).out == "1 active\n");
}

TEST_CASE("svdeploy: what a killed new or purge leaves at the top of the store goes with the next command, a live one's stays",
          "[svdeploy][e2e]") {
  Scratch s;
  s.settle = 0.1;
  auto v1 = s.release("v1", steady());
  REQUIRE(s.deploy({"install", "app", "1", v1.string()}).code == 0);
  auto stopped_at = [&](const std::string& point, const std::vector<std::string>& args) {
    auto t = std::make_unique<Tool>(bin("svdeploy"), args, s.opts({{"SVDEPLOY_TEST_STOP", point}}));
    REQUIRE(eventually(20s, [&] {
      return read_file("/proc/" + std::to_string(t->pid()) + "/stat").find(") T ") != std::string::npos;
    }));
    return t;
  };
  auto leftovers = [&](const fs::path& root, const std::string& prefix) {
    std::vector<fs::path> out;
    if (fs::exists(root))
      for (auto& e : fs::directory_iterator(root))
        if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
    return out;
  };
  // A new stopped after its link was made: its rendered temporary is still at the store's top.
  auto live = stopped_at("link-made", {"new", "web", "--template", "daemon"});
  auto tmp = leftovers(s.store, ".tmp-new-web-");
  REQUIRE(tmp.size() == 1);
  // While it lives, another command leaves its temporary alone.
  auto r = s.deploy({"install", "app", "1", v1.string()});
  CHECK(r.code == 0);
  CHECK(r.err == "");
  CHECK(svkit::test::exists(tmp[0]));
  live->signal(SIGKILL);
  REQUIRE(live->wait_exit(5s));
  CHECK(svkit::test::exists(tmp[0]));  // nothing else removes it
  // A new --plain killed with its service directory complete under the temporary name.
  auto plain = stopped_at("plain-made", {"new", "side", "--plain", "--template", "daemon"});
  plain->signal(SIGKILL);
  REQUIRE(plain->wait_exit(5s));
  auto ptmp = leftovers(s.sv, ".tmp-svdeploy-side-");
  REQUIRE(ptmp.size() == 1);
  CHECK_FALSE(svkit::test::exists(s.scan / "side"));
  // The next command that takes a lock removes them and says so.
  auto removed = [](const fs::path& p) {
    return "svdeploy: warning: removed " + p.string() + " left by an interrupted svdeploy\n";
  };
  r = s.deploy({"install", "gone", "1", v1.string()});
  REQUIRE(r.code == 0);
  CHECK(r.err == removed(tmp[0]) + removed(ptmp[0]));
  CHECK(leftovers(s.store, ".tmp-").empty());
  CHECK(leftovers(s.sv, ".tmp-").empty());
  // A purge killed with the service's store and runtime directories out of sight.
  auto purge = stopped_at("purge-moved", {"purge", "gone"});
  purge->signal(SIGKILL);
  REQUIRE(purge->wait_exit(5s));
  auto gtmp = leftovers(s.store, ".tmp-purge-gone-"), grt = leftovers(s.rt, ".purge-gone-");
  REQUIRE(gtmp.size() == 1);
  REQUIRE(grt.size() == 1);
  CHECK_FALSE(svkit::test::exists(s.store / "gone"));
  r = s.deploy({"install", "app", "1", v1.string()});
  CHECK(r.code == 0);
  CHECK(r.out == "app 1: already installed, same content\n");
  CHECK(r.err == removed(gtmp[0]) + removed(grt[0]));
  CHECK(leftovers(s.store, ".tmp-").empty());
  CHECK(leftovers(s.rt, ".purge-").empty());
  // The plain service can be made again under its name.
  r = s.deploy({"new", "side", "--plain", "--template", "daemon"});
  CHECK(r.code == 0);
}

// The slow one (about 30 s): the health deadline when -w is not given.
TEST_CASE("svdeploy activate without -w: the default 30 s health deadline, then rollback [slow]",
          "[svdeploy][e2e][slow]") {
  Scratch s;
  s.settle = 0.1;
  auto good = s.release("good", steady());
  auto never = s.release("never", steady());
  write_file(never / "notification-fd", "3\n");  // never writes a line to fd 3
  REQUIRE(s.deploy({"install", "app", "1", good.string()}).code == 0);
  REQUIRE(s.deploy({"install", "app", "2", never.string()}).code == 0);
  REQUIRE(s.deploy({"activate", "app", "1"}).code == 0);
  auto t0 = std::chrono::steady_clock::now();
  auto r = s.deploy({"activate", "app", "2"});  // bounded: the fixture's 60 s run timeout
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("activate took " << took << " s");
  CHECK(took >= 29.0);
  CHECK(took < 45.0);
  CHECK(r.code == 1);
  CHECK(r.err == "svdeploy: fatal: rolled back to 1: 2 not ready within 30.0 s\n");
  CHECK(s.active("app") == "1");
  auto h = s.history("app");
  CHECK(h.find("\tactivate\t1\t2\tunhealthy: 2 not ready within 30.0 s\n") != std::string::npos);
  CHECK(h.find("\trollback\t2\t1\tok\n") != std::string::npos);
  CHECK(eventually(5s, [&] { return s.running_version("app") == "1"; }));
}
