// SPDX-License-Identifier: MIT
// TAI64N labels: tai_parse on any text (a parsed label formats back to the same text,
// modulo hex case), the 12-byte pack/unpack round trip, and svlogd's -t/-tt/-ttt stamps
// for any clock value (26 bytes ending in a space).
#include <time.h>

#include <cctype>
#include <cstring>
#include <string>

#include "fuzz.hpp"
#include "svkit/log_stamp.hpp"
#include "svkit/tai64n.hpp"

using namespace svkit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto t = tai_parse(text)) {
    std::string f = tai_format(*t);
    FUZZ_CHECK(f.size() == text.size());
    for (size_t i = 0; i < f.size(); ++i)
      FUZZ_CHECK(f[i] == std::tolower(static_cast<unsigned char>(text[i])));
  }
  if (size >= 12) {
    Tai64n t = tai_unpack(data);
    unsigned char out[12];
    tai_pack(t, out);
    FUZZ_CHECK(std::memcmp(out, data, 12) == 0);
    std::string f = tai_format(t);
    auto back = tai_parse(f);
    FUZZ_CHECK(f.size() == 25 && back && *back == t);
  }
  if (size >= 9) {
    FuzzInput in(data, size);
    int level = in.byte() % 3 + 1;
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(in.u64());
    ts.tv_nsec = static_cast<long>(in.u64() % 1000000000);
    LogStamp stamp(level);
    std::string_view s = stamp.format(ts);
    FUZZ_CHECK(s.size() == kStampLen && s.back() == ' ');
    std::string first(s);
    FUZZ_CHECK(stamp.format(ts) == first);  // the cached second gives the same text
  }
  return 0;
}
