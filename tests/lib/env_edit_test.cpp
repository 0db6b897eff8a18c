// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "svkit/env_edit.hpp"

namespace {
std::vector<std::string> applied(const svkit::EnvEdit& e, std::vector<std::string> env) {
  std::vector<char*> in;
  for (auto& s : env) in.push_back(s.data());
  in.push_back(nullptr);
  std::vector<std::string> out;
  auto result = e.apply(in.data());
  REQUIRE(result.back() == nullptr);
  for (size_t i = 0; i + 1 < result.size(); ++i) out.emplace_back(result[i]);
  return out;
}
using V = std::vector<std::string>;
}  // namespace

TEST_CASE("env edits keep the environment when empty", "[chain][env_edit][unit]") {
  svkit::EnvEdit e;
  CHECK(e.empty());
  CHECK(applied(e, {"A=1", "B=2"}) == V{"A=1", "B=2"});
  CHECK(applied(e, {}) == V{});
}

TEST_CASE("env edits replace like daemontools: the last entry fills the hole",
          "[chain][env_edit][unit]") {
  svkit::EnvEdit e;
  e.set("A", "x");
  CHECK(applied(e, {"A=1", "B=2", "C=3"}) == V{"C=3", "B=2", "A=x"});
  CHECK(applied(e, {"B=2"}) == V{"B=2", "A=x"});
  CHECK(applied(e, {"AA=1", "A"}) == V{"AA=1", "A", "A=x"});  // names match exactly
}

TEST_CASE("env edits remove one entry per unset", "[chain][env_edit][unit]") {
  svkit::EnvEdit e;
  e.unset("A");
  CHECK(applied(e, {"A=1", "B=2", "A=3"}) == V{"A=3", "B=2"});  // a duplicate survives
  CHECK(applied(e, {"B=2"}) == V{"B=2"});
  e.unset("A");
  CHECK(applied(e, {"A=1", "B=2", "A=3"}) == V{"B=2"});
}

TEST_CASE("env edits split a name holding = at the first =", "[chain][env_edit][unit]") {
  svkit::EnvEdit set;
  set.set("X=Y", "z");  // daemontools: variable X gets the value Y=z
  CHECK(applied(set, {"X=old", "B=2"}) == V{"B=2", "X=Y=z"});
  svkit::EnvEdit unset;
  unset.unset("X=Y");  // an empty file named X=Y still sets X to Y
  CHECK(applied(unset, {"X=old"}) == V{"X=Y"});
}

TEST_CASE("env edits apply in order", "[chain][env_edit][unit]") {
  svkit::EnvEdit e;
  e.set("GID", "1");
  e.set("UID", "2");
  e.set("GID", "3");
  CHECK(applied(e, {"UID=0"}) == V{"UID=2", "GID=3"});
}
