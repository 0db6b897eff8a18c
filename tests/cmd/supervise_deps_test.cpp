// SPDX-License-Identifier: MIT
// supervise's dependencies.d end to end: services in one scan directory, each under its
// own supervise, started in either order.
#include <signal.h>
#include <unistd.h>

#include "supervise_policy_fixture.hpp"

using namespace svkit::test;
using namespace svkit::test::sup;
using namespace svkit::test::pol;

namespace {

struct Scan {
  TempDir tmp;
  fs::path dir(const std::string& name) const { return tmp / name; }
  // A service NAME whose run appends its name and a timestamp to ../../starts... (the
  // scan dir's parent is tmp itself, so use an absolute path).
  fs::path add(const std::string& name, const std::string& run_tail = "exec sleep 30\n") {
    make_dirs(dir(name));
    write_script(dir(name) / "run",
                 "echo " + name + " $(date +%s%N) >> " + (tmp / "starts").string() + "\n" + run_tail);
    return dir(name);
  }
  void depend(const std::string& who, const std::string& on) {
    make_dirs(dir(who) / "dependencies.d");
    write_file(dir(who) / "dependencies.d" / on, "");
  }
  std::string starts() const { return read_file(tmp / "starts"); }
  bool started(const std::string& name) const {
    return starts().find(name + " ") != std::string::npos;
  }
};

}  // namespace

TEST_CASE("supervise deps: waits until the dependency is up and ready, then starts",
          "[supervise][deps][e2e]") {
  Scan sc;
  sc.add("db", after_file("db-go", "echo >&3\nexec sleep 30\n"));
  write_file(sc.dir("db") / "notification-fd", "3");
  sc.add("app");
  sc.depend("app", "db");
  Tool app("supervise", {sc.dir("app").string()});
  REQUIRE(phase_becomes(sc.dir("app"), "waiting"));
  CHECK(ext(sc.dir("app"), "waiting_for") == "db");
  CHECK(ext(sc.dir("app"), "reason") == "waiting for db");
  CHECK(stat_becomes(sc.dir("app"), "down"));  // runit's view
  Tool db("supervise", {sc.dir("db").string()});
  REQUIRE(phase_becomes(sc.dir("db"), "starting"));
  CHECK_FALSE(eventually(300ms, [&] { return sc.started("app"); }));  // up is not enough
  CHECK(ext(sc.dir("app"), "phase") == "waiting");
  touch(sc.tmp / "db-go");
  REQUIRE(phase_becomes(sc.dir("app"), "up"));
  CHECK(ext(sc.dir("app"), "waiting_for") == "");
  REQUIRE(eventually(5s, [&] { return sc.started("app"); }));
  auto lines = split_lines(sc.starts());
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("db ", 0) == 0);
  CHECK(lines[1].rfind("app ", 0) == 0);
}

TEST_CASE("supervise deps: a dependency without readiness only has to be up",
          "[supervise][deps][e2e]") {
  Scan sc;
  sc.add("db");
  sc.add("app");
  sc.depend("app", "db");
  Tool db("supervise", {sc.dir("db").string()});
  REQUIRE(phase_becomes(sc.dir("db"), "up"));
  Tool app("supervise", {sc.dir("app").string()});
  CHECK(phase_becomes(sc.dir("app"), "up"));
}

TEST_CASE("supervise deps: a missing dependency waits, it appearing starts the service",
          "[supervise][deps][e2e]") {
  Scan sc;
  sc.add("app");
  sc.depend("app", "later");
  Tool app("supervise", {sc.dir("app").string()});
  REQUIRE(phase_becomes(sc.dir("app"), "waiting"));
  CHECK(ext(sc.dir("app"), "waiting_for") == "later");
  sc.add("later");
  Tool later("supervise", {sc.dir("later").string()});
  CHECK(phase_becomes(sc.dir("app"), "up"));
}

TEST_CASE("supervise deps: a dependency on itself is a cycle: failed", "[supervise][deps][e2e]") {
  Scan sc;
  sc.add("self");
  sc.depend("self", "self");
  Tool sup("supervise", {sc.dir("self").string()});
  REQUIRE(phase_becomes(sc.dir("self"), "failed"));
  CHECK(ext(sc.dir("self"), "reason") == "dependency cycle: self -> self");
  CHECK_FALSE(sc.started("self"));
}

TEST_CASE("supervise deps: a three-service cycle fails each, breaking it and u starts",
          "[supervise][deps][e2e]") {
  Scan sc;
  for (const char* n : {"a", "b", "c"}) sc.add(n);
  sc.depend("a", "b");
  sc.depend("b", "c");
  sc.depend("c", "a");
  Tool a("supervise", {sc.dir("a").string()});
  Tool b("supervise", {sc.dir("b").string()});
  REQUIRE(phase_becomes(sc.dir("a"), "failed"));
  CHECK(ext(sc.dir("a"), "reason") == "dependency cycle: a -> b -> c -> a");
  REQUIRE(phase_becomes(sc.dir("b"), "failed"));
  CHECK(ext(sc.dir("b"), "reason") == "dependency cycle: b -> c -> a -> b");
  REQUIRE(control(sc.dir("a"), "u"));  // still a cycle: failed again
  CHECK(phase_becomes(sc.dir("a"), "failed"));
  fs::remove(sc.dir("c") / "dependencies.d" / "a");
  Tool c("supervise", {sc.dir("c").string()});
  REQUIRE(phase_becomes(sc.dir("c"), "up"));
  REQUIRE(control(sc.dir("b"), "u"));
  REQUIRE(phase_becomes(sc.dir("b"), "up"));
  REQUIRE(control(sc.dir("a"), "u"));
  CHECK(phase_becomes(sc.dir("a"), "up"));
}

TEST_CASE("supervise deps: a dependency that never becomes ready keeps the service waiting",
          "[supervise][deps][e2e]") {
  Scan sc;
  sc.add("db", "exec sleep 30\n");
  write_file(sc.dir("db") / "notification-fd", "3");
  sc.add("app");
  sc.depend("app", "db");
  Tool db("supervise", {sc.dir("db").string()});
  Tool app("supervise", {sc.dir("app").string()});
  REQUIRE(phase_becomes(sc.dir("db"), "starting"));
  REQUIRE(phase_becomes(sc.dir("app"), "waiting"));
  CHECK_FALSE(eventually(500ms, [&] { return sc.started("app"); }));
  REQUIRE(control(sc.dir("app"), "d"));  // down while waiting: nothing waits any more
  CHECK(phase_becomes(sc.dir("app"), "down"));
}

TEST_CASE("supervise deps: a dependency removed while waited on: keep waiting",
          "[supervise][deps][e2e]") {
  Scan sc;
  sc.add("db");
  sc.add("app");
  sc.depend("app", "db");
  write_file(sc.dir("db") / "down", "");
  Tool db("supervise", {sc.dir("db").string()});
  Tool app("supervise", {sc.dir("app").string()});
  REQUIRE(phase_becomes(sc.dir("app"), "waiting"));
  REQUIRE(control(sc.dir("db"), "x"));
  REQUIRE(db.wait_exit(5s));
  fs::remove_all(sc.dir("db"));
  CHECK_FALSE(eventually(300ms, [&] { return ext(sc.dir("app"), "phase") != "waiting"; }));
  CHECK(ext(sc.dir("app"), "waiting_for") == "db");
  sc.add("db");
  Tool db2("supervise", {sc.dir("db").string()});
  CHECK(phase_becomes(sc.dir("app"), "up"));
}

TEST_CASE("supervise deps: SVKIT_SCANDIR names the scan dir, a symlink leads anywhere",
          "[supervise][deps][e2e]") {
  Scan sc;
  TempDir elsewhere;
  make_dirs(elsewhere / "db");
  write_script(elsewhere / "db" / "run", "exec sleep 30\n");
  sc.add("app");
  sc.add("cache");
  make_dirs(sc.dir("app") / "dependencies.d");
  fs::create_symlink(elsewhere / "db", sc.dir("app") / "dependencies.d" / "db");
  write_file(sc.dir("app") / "dependencies.d" / "cache", "");
  // The service directory is reached through another path: names resolve in SVKIT_SCANDIR.
  TempDir links;
  fs::create_symlink(sc.dir("app"), links / "app");
  RunOptions o;
  o.env["SVKIT_SCANDIR"] = sc.tmp.str();
  Tool app("supervise", {(links / "app").string()}, o);
  REQUIRE(phase_becomes(sc.dir("app"), "waiting"));
  CHECK(ext(sc.dir("app"), "waiting_for") == "cache db");
  Tool db("supervise", {(elsewhere / "db").string()});
  REQUIRE(eventually(5s, [&] { return ext(sc.dir("app"), "waiting_for") == "cache"; }));
  Tool cache("supervise", {sc.dir("cache").string()});
  CHECK(phase_becomes(sc.dir("app"), "up"));
}

TEST_CASE("supervise deps: an entry removed from dependencies.d while waited on: starts",
          "[supervise][deps][e2e]") {
  Scan sc;
  sc.add("app");
  sc.depend("app", "nosuch");
  sc.depend("app", "never");
  Tool app("supervise", {sc.dir("app").string()});
  REQUIRE(phase_becomes(sc.dir("app"), "waiting"));
  CHECK(ext(sc.dir("app"), "waiting_for") == "never nosuch");
  fs::remove(sc.dir("app") / "dependencies.d" / "nosuch");
  CHECK(eventually(5s, [&] { return ext(sc.dir("app"), "waiting_for") == "never"; }));
  CHECK(ext(sc.dir("app"), "phase") == "waiting");
  fs::remove(sc.dir("app") / "dependencies.d" / "never");
  CHECK(phase_becomes(sc.dir("app"), "up"));
  CHECK(eventually(5s, [&] { return sc.started("app"); }));
}

namespace {
// A run that notes its TERM in SCAN/order ("NAME MS", CLOCK_REALTIME ms) and then exits;
// ../NAME.trap once the trap is set.
std::string noting_run(const std::string& name) {
  return "trap 'echo " + name + " $(($(date +%s%N) / 1000000)) >> ../order; kill $! 2>/dev/null; exit 0' TERM\n"
         ": > ../" + name + ".trap\nsleep 60 & wait\n";
}
int64_t noted(const fs::path& scan, const std::string& name) {
  for (const auto& l : split_lines(read_file(scan / "order")))
    if (l.rfind(name + " ", 0) == 0) return std::stoll(l.substr(name.size() + 1));
  return -1;
}
}  // namespace

TEST_CASE("supervise deps: svscan SIGHUP: a dependent that does not stop holds its dependency "
          "back for its timeout-kill (plus 2 s) or 10 s",
          "[supervise][deps][svscan][e2e]") {
  // Two chains, app1 -> db1 (app1 has timeout-kill 100) and app2 -> db2 (none). The apps'
  // supervise processes are stopped (SIGSTOP), so the TERM svscan sends them is not
  // handled: svscan tells each db only when its app's step runs out of time.
  Scan sc;
  for (const char* n : {"app1", "db1", "app2", "db2"}) {
    make_dirs(sc.dir(n));
    write_script(sc.dir(n) / "run", noting_run(n));
  }
  sc.depend("app1", "db1");
  sc.depend("app2", "db2");
  write_file(sc.dir("app1") / "timeout-kill", "100\n");
  Tool scan("svscan", {sc.tmp.str()});
  REQUIRE(eventually(10s, [&] {
    for (const char* n : {"app1", "db1", "app2", "db2"})
      if (!svkit::test::exists(sc.tmp / (std::string(n) + ".trap")) || ext(sc.dir(n), "phase") != "up")
        return false;
    return true;
  }));
  pid_t sup1 = std::stoi(ext(sc.dir("app1"), "supervisor"));
  pid_t sup2 = std::stoi(ext(sc.dir("app2"), "supervisor"));
  REQUIRE(::kill(sup1, SIGSTOP) == 0);
  REQUIRE(::kill(sup2, SIGSTOP) == 0);
  int64_t t0 = now_ms();
  scan.signal(SIGHUP);
  REQUIRE(eventually(8s, [&] { return noted(sc.tmp.path(), "db1") >= 0; }));
  CHECK(noted(sc.tmp.path(), "db1") - t0 >= 2000);  // 100 ms + 2 s
  CHECK(noted(sc.tmp.path(), "db2") < 0);
  REQUIRE(eventually(15s, [&] { return noted(sc.tmp.path(), "db2") >= 0; }));
  CHECK(noted(sc.tmp.path(), "db2") - t0 >= 9900);  // 10 s
  ::kill(sup1, SIGCONT);
  ::kill(sup2, SIGCONT);
  CHECK(scan.wait_exit(15s) == 111);
  CHECK(noted(sc.tmp.path(), "app1") >= 0);  // handled once continued
}

TEST_CASE("supervise deps: a malformed dependencies.d or entry: one warning, treated as absent",
          "[supervise][deps][e2e]") {
  Scan sc;
  sc.add("file");  // dependencies.d is a file: no dependencies
  write_file(sc.dir("file") / "dependencies.d", "db\n");
  Tool file("supervise", {sc.dir("file").string()});
  REQUIRE(phase_becomes(sc.dir("file"), "up"));
  REQUIRE(eventually(5s, [&] { return count_lines(file.err()) >= 1; }));
  CHECK(file.err() == "supervise " + sc.dir("file").string() +
                          ": warning: ignoring malformed dependencies.d\n");

  sc.add("app");  // a directory among the entries: ignored; the file entry still counts
  sc.depend("app", "db");
  make_dirs(sc.dir("app") / "dependencies.d" / "sub");
  Tool app("supervise", {sc.dir("app").string()});
  REQUIRE(phase_becomes(sc.dir("app"), "waiting"));
  CHECK(ext(sc.dir("app"), "waiting_for") == "db");
  CHECK(ext(sc.dir("app"), "reason") == "waiting for db");
  touch(sc.dir("app") / "dependencies.d" / "later");  // an event: evaluated again
  REQUIRE(eventually(5s, [&] { return ext(sc.dir("app"), "waiting_for") == "db later"; }));
  fs::remove(sc.dir("app") / "dependencies.d" / "later");
  sc.add("db");
  Tool db("supervise", {sc.dir("db").string()});
  REQUIRE(phase_becomes(sc.dir("app"), "up"));
  CHECK(app.err() == "supervise " + sc.dir("app").string() +
                         ": warning: dependencies.d/sub is neither a file nor a symlink: ignored\n");
}
