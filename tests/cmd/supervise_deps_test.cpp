// SPDX-License-Identifier: MIT
// supervise's dependencies.d end to end: services in one scan directory, each under its
// own supervise, started in either order.
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
