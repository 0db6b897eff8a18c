// SPDX-License-Identifier: MIT
// dependencies: reading dependencies.d, cycles through a service, svscan's stop order.
#include "svkit/dependencies.hpp"

#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace svkit::test;

namespace {
std::vector<std::string> names(const svkit::DependencyList& l) {
  std::vector<std::string> v;
  for (auto& d : l.deps) v.push_back(d.name);
  return v;
}
// A scan directory with services NAMES, each an empty directory.
void services(const TempDir& t, std::initializer_list<const char*> names) {
  for (const char* n : names) make_dirs(t / "scan" / n);
}
// SERVICE depends on DEP through an empty file dependencies.d/DEP.
void depends(const TempDir& t, const std::string& service, const std::string& dep) {
  make_dirs(t / "scan" / service / "dependencies.d");
  write_file(t / "scan" / service / "dependencies.d" / dep, "");
}
std::string dir(const TempDir& t, const std::string& service) {
  return (t / "scan" / service).string();
}
std::string scan(const TempDir& t) { return (t / "scan").string(); }
}  // namespace

TEST_CASE("dependencies: none without dependencies.d, none in an empty one", "[dependencies][unit]") {
  TempDir t;
  services(t, {"a", "b"});
  auto l = svkit::read_dependencies(dir(t, "a"), scan(t));
  CHECK(l.deps.empty());
  CHECK(l.error.empty());
  make_dirs(t / "scan" / "b" / "dependencies.d");
  l = svkit::read_dependencies(dir(t, "b"), scan(t));
  CHECK(l.deps.empty());
  CHECK(l.error.empty());
  CHECK(svkit::find_cycle(dir(t, "a"), scan(t)).empty());
}

TEST_CASE("dependencies: empty files name services of the scan directory, sorted", "[dependencies][unit]") {
  TempDir t;
  services(t, {"app", "db", "cache"});
  depends(t, "app", "db");
  depends(t, "app", "cache");
  write_file(t / "scan" / "app" / "dependencies.d" / ".hidden", "");
  auto l = svkit::read_dependencies(dir(t, "app"), scan(t));
  CHECK(l.error.empty());
  REQUIRE(names(l) == std::vector<std::string>{"cache", "db"});
  CHECK(l.deps[0].path == scan(t) + "/cache");
  CHECK(l.deps[1].path == scan(t) + "/db");
  // Without a scan directory, the service directory's parent is the scan directory.
  l = svkit::read_dependencies(dir(t, "app"), "");
  REQUIRE(l.deps.size() == 2);
  CHECK(fs::equivalent(l.deps[1].path, t / "scan" / "db"));
}

TEST_CASE("dependencies: symlinks lead to other directories, relative ones from dependencies.d", "[dependencies][unit]") {
  TempDir t;
  services(t, {"app"});
  make_dirs(t / "elsewhere" / "db");
  make_dirs(t / "scan" / "app" / "dependencies.d");
  fs::create_symlink(t / "elsewhere" / "db", t / "scan" / "app" / "dependencies.d" / "abs");
  fs::create_symlink("../../../elsewhere/db", t / "scan" / "app" / "dependencies.d" / "rel");
  auto l = svkit::read_dependencies(dir(t, "app"), scan(t));
  CHECK(l.error.empty());
  REQUIRE(names(l) == std::vector<std::string>{"abs", "rel"});
  CHECK(l.deps[0].path == (t / "elsewhere" / "db").string());
  CHECK(fs::equivalent(l.deps[1].path, t / "elsewhere" / "db"));
}

TEST_CASE("dependencies: a missing target is listed, and no cycle", "[dependencies][unit]") {
  TempDir t;
  services(t, {"app"});
  depends(t, "app", "nosuch");
  fs::create_symlink(t / "gone", t / "scan" / "app" / "dependencies.d" / "dangling");
  auto l = svkit::read_dependencies(dir(t, "app"), scan(t));
  CHECK(l.error.empty());
  CHECK(names(l) == std::vector<std::string>{"dangling", "nosuch"});
  CHECK(svkit::find_cycle(dir(t, "app"), scan(t)).empty());
}

TEST_CASE("dependencies: an entry that is a directory is named in the error", "[dependencies][unit]") {
  TempDir t;
  services(t, {"app", "db"});
  depends(t, "app", "db");
  make_dirs(t / "scan" / "app" / "dependencies.d" / "sub");
  auto l = svkit::read_dependencies(dir(t, "app"), scan(t));
  CHECK(names(l) == std::vector<std::string>{"db"});
  CHECK(l.error.find("sub") != std::string::npos);
}

TEST_CASE("dependencies: a dependency on itself is a cycle of one", "[dependencies][unit]") {
  TempDir t;
  services(t, {"a"});
  depends(t, "a", "a");
  CHECK(svkit::find_cycle(dir(t, "a"), scan(t)) == std::vector<std::string>{"a"});
  // Also through a symlink back to itself, and from "." inside the service directory.
  TempDir u;
  make_dirs(u / "scan" / "b" / "dependencies.d");
  fs::create_symlink("..", u / "scan" / "b" / "dependencies.d" / "me");
  CHECK(svkit::find_cycle((u / "scan" / "b").string(), (u / "scan").string()) ==
        std::vector<std::string>{"b"});
  CHECK(svkit::find_cycle((u / "scan" / "b" / ".").string(), "") == std::vector<std::string>{"b"});
}

TEST_CASE("dependencies: a three-service cycle is named from each member", "[dependencies][unit]") {
  TempDir t;
  services(t, {"a", "b", "c", "d"});
  depends(t, "a", "b");
  depends(t, "b", "c");
  depends(t, "c", "a");
  depends(t, "d", "a");  // leads into the cycle but is not on it
  CHECK(svkit::find_cycle(dir(t, "a"), scan(t)) == std::vector<std::string>{"a", "b", "c"});
  CHECK(svkit::find_cycle(dir(t, "b"), scan(t)) == std::vector<std::string>{"b", "c", "a"});
  CHECK(svkit::find_cycle(dir(t, "d"), scan(t)).empty());  // bounded: the walk ends
}

TEST_CASE("dependencies: a diamond is no cycle", "[dependencies][unit]") {
  TempDir t;
  services(t, {"top", "left", "right", "base"});
  depends(t, "top", "left");
  depends(t, "top", "right");
  depends(t, "left", "base");
  depends(t, "right", "base");
  for (auto s : {"top", "left", "right", "base"}) CHECK(svkit::find_cycle(dir(t, s), scan(t)).empty());
  // Stopped: top first, base last, left before right as given.
  std::vector<std::string> dirs{dir(t, "base"), dir(t, "left"), dir(t, "right"), dir(t, "top")};
  CHECK(svkit::stop_order(dirs, scan(t)) == std::vector<size_t>{3, 1, 2, 0});
}

TEST_CASE("dependencies: stop order puts dependents first and keeps the rest in order", "[dependencies][unit]") {
  TempDir t;
  services(t, {"db", "app", "x", "y", "web", "a", "b"});
  depends(t, "app", "db");
  depends(t, "web", "app");
  depends(t, "a", "b");  // a two-service cycle
  depends(t, "b", "a");
  depends(t, "x", "x");  // on itself: no constraint
  std::vector<std::string> dirs{dir(t, "db"), dir(t, "x"), dir(t, "app"), dir(t, "y"),
                                dir(t, "web"), dir(t, "b"), dir(t, "a")};
  auto order = svkit::stop_order(dirs, scan(t));
  REQUIRE(order.size() == dirs.size());
  auto pos = [&](size_t i) { return std::find(order.begin(), order.end(), i) - order.begin(); };
  CHECK(pos(4) < pos(2));  // web before app
  CHECK(pos(2) < pos(0));  // app before db
  CHECK(pos(1) < pos(3));  // unrelated keep their order
  CHECK(pos(5) < pos(6));  // the cycle's members keep their order
  CHECK(order == std::vector<size_t>{1, 3, 4, 2, 0, 5, 6});
  // Nothing to order: the given order.
  CHECK(svkit::stop_order({dir(t, "y"), dir(t, "db")}, scan(t)) == std::vector<size_t>{0, 1});
  CHECK(svkit::stop_order({}, scan(t)).empty());
}
