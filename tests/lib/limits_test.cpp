// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <vector>

#include "svkit/limits.hpp"

namespace {
std::vector<int> resources(char c) {
  std::vector<int> out;
  for (int r : svkit::limit_resources(c).list)
    if (r >= 0) out.push_back(r);
  return out;
}
}  // namespace

TEST_CASE("softlimit letters map to daemontools' resources", "[chain][limits][unit]") {
  using V = std::vector<int>;
  CHECK(resources('a') == V{RLIMIT_AS});
  CHECK(resources('c') == V{RLIMIT_CORE});
  CHECK(resources('d') == V{RLIMIT_DATA});
  CHECK(resources('f') == V{RLIMIT_FSIZE});
  CHECK(resources('l') == V{RLIMIT_MEMLOCK});
  CHECK(resources('m') == V{RLIMIT_DATA, RLIMIT_STACK, RLIMIT_MEMLOCK, RLIMIT_AS});
  CHECK(resources('o') == V{RLIMIT_NOFILE});
  CHECK(resources('p') == V{RLIMIT_NPROC});
  CHECK(resources('r') == V{RLIMIT_RSS});
  CHECK(resources('s') == V{RLIMIT_STACK});
  CHECK(resources('t') == V{RLIMIT_CPU});
  CHECK(resources('z').empty());
  CHECK(resources('?').empty());
}

TEST_CASE("softlimit values are = or decimal digits", "[chain][limits][unit]") {
  auto hard = svkit::parse_limit_value("=");
  REQUIRE(hard);
  CHECK(hard->to_hard);
  auto n = svkit::parse_limit_value("0012345");
  REQUIRE(n);
  CHECK_FALSE(n->to_hard);
  CHECK(n->amount == 12345);
  for (const char* bad : {"", "-", "-1", "+5", " 5", "5 ", "5k", "0x10", "==", "1e6", "=5"}) {
    INFO("value '" << bad << "'");
    CHECK_FALSE(svkit::parse_limit_value(bad));
  }
}

TEST_CASE("softlimit values too big for rlim_t saturate", "[chain][limits][unit]") {
  const rlim_t max = ~static_cast<rlim_t>(0);
  CHECK(svkit::parse_limit_value("18446744073709551615")->amount == max);
  CHECK(svkit::parse_limit_value("18446744073709551614")->amount == max - 1);
  CHECK(svkit::parse_limit_value("18446744073709551616")->amount == max);
  CHECK(svkit::parse_limit_value("99999999999999999999999999")->amount == max);
}

TEST_CASE("a new soft limit never passes the hard limit", "[chain][limits][unit]") {
  using svkit::LimitValue;
  CHECK(svkit::new_soft_limit(LimitValue{false, 5}, 100) == 5);
  CHECK(svkit::new_soft_limit(LimitValue{false, 100}, 100) == 100);
  CHECK(svkit::new_soft_limit(LimitValue{false, 101}, 100) == 100);
  CHECK(svkit::new_soft_limit(LimitValue{true, 0}, 100) == 100);
  CHECK(svkit::new_soft_limit(LimitValue{true, 0}, RLIM_INFINITY) == RLIM_INFINITY);
  CHECK(svkit::new_soft_limit(LimitValue{false, 7}, RLIM_INFINITY) == 7);
  CHECK(svkit::new_soft_limit(LimitValue{false, 0}, 0) == 0);
}
