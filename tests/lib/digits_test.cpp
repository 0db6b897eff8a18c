// SPDX-License-Identifier: MIT
// digits: the one integer formatter and hex table.
#include "svkit/digits.hpp"

#include <catch2/catch.hpp>
#include <climits>
#include <string>

namespace {
std::string u(unsigned long long v) {
  char b[24];
  return std::string(b, svkit::format_uint(b, v));
}
std::string i(long long v) {
  char b[24];
  return std::string(b, svkit::format_int(b, v));
}
}  // namespace

TEST_CASE("digits: decimal without padding, signed and unsigned", "[digits][unit]") {
  CHECK(u(0) == "0");
  CHECK(u(7) == "7");
  CHECK(u(4194304) == "4194304");
  CHECK(u(ULLONG_MAX) == "18446744073709551615");
  CHECK(i(-1) == "-1");
  CHECK(i(15) == "15");
  CHECK(i(LLONG_MIN) == "-9223372036854775808");
}

TEST_CASE("digits: fixed-width hex and decimal", "[digits][unit]") {
  char b[17] = {};
  svkit::put_hex(b, 0x400000006bc0f0a1ull, 16);
  CHECK(std::string(b) == "400000006bc0f0a1");
  svkit::put_dec(b, 42, 5);
  CHECK(std::string(b, 5) == "00042");
  svkit::put_hex(b, 0x1234, 2);  // higher digits dropped
  CHECK(std::string(b, 2) == "34");
}
