// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include "svkit/tai64n.hpp"

TEST_CASE("tai64n packs, formats and parses runit's labels", "[tai64n][unit]") {
  auto t = svkit::Tai64n::from_unix(1700000000, 123456500);
  CHECK(t.sec == 0x400000000000000aULL + 1700000000ULL);
  unsigned char raw[12];
  svkit::tai_pack(t, raw);
  CHECK(raw[0] == 0x40);
  CHECK(svkit::tai_unpack(raw) == t);
  auto text = svkit::tai_format(t);
  CHECK(text == "@400000006553f10a075bcbf4");
  auto back = svkit::tai_parse(text);
  REQUIRE(back);
  CHECK(*back == t);
  CHECK_FALSE(svkit::tai_parse("@4000"));
  CHECK_FALSE(svkit::tai_parse("#40000000655433120775bcd7"));
  CHECK_FALSE(svkit::tai_parse("@40000000655433120775bcdg"));
  CHECK(svkit::tai_now().nano % 1000 == 500);
}
