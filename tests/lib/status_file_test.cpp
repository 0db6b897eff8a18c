// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include "svkit/status_file.hpp"

using svkit::RunState;
using svkit::Status;
using svkit::Want;

namespace {
std::string stat_line(const Status& s) {
  char buf[svkit::kStatLineMax];
  return std::string(buf, svkit::format_stat(s, buf));
}
}  // namespace

TEST_CASE("status record has runit's 20-byte layout", "[status][unit]") {
  Status s;
  s.when = svkit::Tai64n::from_unix(1000, 500);
  s.pid = 0x01020304;
  s.paused = true;
  s.want = Want::down;
  s.got_term = true;
  s.state = RunState::finish;
  unsigned char raw[svkit::kStatusSize];
  svkit::pack_status(s, raw);
  CHECK(raw[0] == 0x40);
  CHECK(raw[12] == 0x04);  // pid little-endian
  CHECK(raw[15] == 0x01);
  CHECK(raw[16] == 1);
  CHECK(raw[17] == 'd');
  CHECK(raw[18] == 1);
  CHECK(raw[19] == 2);
  auto back = svkit::unpack_status(raw, sizeof raw);
  REQUIRE(back);
  CHECK(back->pid == s.pid);
  CHECK(back->state == RunState::finish);
  CHECK(back->want == Want::down);
  CHECK(back->got_term);
  CHECK(back->when == s.when);
}

TEST_CASE("status reader rejects damaged sizes", "[status][unit]") {
  unsigned char raw[32] = {};
  for (size_t len : {0, 1, 12, 17, 19, 21, 32}) {
    INFO("length " << len);
    CHECK_FALSE(svkit::unpack_status(raw, len));
  }
  CHECK(svkit::unpack_status(raw, 18));  // daemontools' record
}

TEST_CASE("stat text follows runsv", "[status][unit]") {
  Status s;
  s.state = RunState::run;
  CHECK(stat_line(s) == "run\n");
  s.paused = true;
  CHECK(stat_line(s) == "run, paused\n");
  s.paused = false;
  s.got_term = true;
  s.want = Want::down;
  CHECK(stat_line(s) == "run, got TERM, want down\n");
  s.want_exit = true;
  CHECK(stat_line(s) == "run, got TERM, want exit\n");
  s = Status{};
  s.want = Want::down;
  CHECK(stat_line(s) == "down\n");
  s.state = RunState::finish;
  s.want = Want::up;
  CHECK(stat_line(s) == "finish\n");
}
