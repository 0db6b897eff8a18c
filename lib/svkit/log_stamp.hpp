// SPDX-License-Identifier: MIT
// log_stamp: svlogd's line timestamps (-t TAI64N, -tt UTC "YYYY-MM-DD_HH:MM:SS.xxxxx",
// -ttt the same with 'T'), 26 bytes including the trailing space, byte for byte as runit.
// The date part is formatted once per second and reused; only the fraction changes.
#pragma once
#include <time.h>

#include <cstdint>
#include <string_view>

namespace svkit {

inline constexpr size_t kStampLen = 26;  // 25 characters + ' '

class LogStamp {
 public:
  explicit LogStamp(int level) noexcept : level_(level) {}  // 1 = -t, 2 = -tt, 3 = -ttt
  // The stamp for a CLOCK_REALTIME value (runit rounds to microseconds: nano = us*1000+500).
  std::string_view format(const timespec& ts) noexcept;

 private:
  void format_second(int64_t sec) noexcept;
  int level_;
  int64_t sec_ = INT64_MIN;
  long nsec_ = -1;
  char buf_[kStampLen + 1] = {};
};

}  // namespace svkit
