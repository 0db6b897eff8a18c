// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "svkit/log_stamp.hpp"

TEST_CASE("log stamps are runit's three formats", "[svlogd][unit]") {
  timespec ts = {1700000000, 123456789};  // 2023-11-14 22:13:20 UTC
  svkit::LogStamp tai(1), utc(2), iso(3);
  CHECK(std::string(tai.format(ts)) == "@400000006553f10a075bcbf4 ");
  CHECK(std::string(utc.format(ts)) == "2023-11-14_22:13:20.12345 ");
  CHECK(std::string(iso.format(ts)) == "2023-11-14T22:13:20.12345 ");
  // The cached date part follows the clock: same second, new fraction; next second.
  ts.tv_nsec = 999999999;
  CHECK(std::string(utc.format(ts)) == "2023-11-14_22:13:20.99999 ");
  ts = {1700000001, 5000};
  CHECK(std::string(utc.format(ts)) == "2023-11-14_22:13:21.00000 ");
  CHECK(std::string(tai.format(ts)) == "@400000006553f10b0000157c ");
  ts = {946684799, 0};  // the second before 2000-01-01
  CHECK(std::string(iso.format(ts)) == "1999-12-31T23:59:59.00000 ");
}

// Found by tests/fuzz/tai64n: the first stamp of a clock value equal to the cache's
// initial second (INT64_MIN) came back unformatted (NUL bytes, no trailing space).
TEST_CASE("the first log stamp is formatted whatever the second", "[svlogd][unit]") {
  timespec ts = {INT64_MIN, 0};
  for (int level = 1; level <= 3; ++level) {
    svkit::LogStamp stamp(level);
    std::string s(stamp.format(ts));
    CHECK(s.size() == svkit::kStampLen);
    CHECK(s.back() == ' ');
    CHECK(s.find('\0') == std::string::npos);
  }
}
