// SPDX-License-Identifier: MIT
// supervise/status as a reader finds it (any bytes, any length): unpack_status, then the
// texts sv, svstat and svstat --json make of it. A record that unpacks packs back to the
// same status; the stat line fits its buffer.
#include <cstring>

#include "fuzz.hpp"
#include "svkit/status_file.hpp"
#include "svkit/status_text.hpp"

using namespace svkit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  uint64_t now = in.u64();
  bool normally_up = in.byte() & 1;
  std::string_view rec = in.rest();
  auto st = unpack_status(reinterpret_cast<const unsigned char*>(rec.data()), rec.size());
  if (rec.size() != kStatusSize && rec.size() != kDaemontoolsStatusSize) FUZZ_CHECK(!st);
  if (!st) return 0;
  unsigned char packed[kStatusSize];
  pack_status(*st, packed);
  auto again = unpack_status(packed, kStatusSize);
  FUZZ_CHECK(again);
  FUZZ_CHECK(again->when == st->when && again->pid == st->pid && again->paused == st->paused &&
             again->want == st->want && again->got_term == st->got_term &&
             again->state == st->state);
  if (rec.size() == kStatusSize) {
    unsigned char repacked[kStatusSize];
    pack_status(*again, repacked);
    FUZZ_CHECK(std::memcmp(packed, repacked, kStatusSize) == 0);
  }
  char line[kStatLineMax + 1];
  std::memset(line, 0x5a, sizeof line);
  size_t n = format_stat(*st, line);
  FUZZ_CHECK(n > 0 && n <= kStatLineMax && line[n - 1] == '\n');
  FUZZ_CHECK(static_cast<unsigned char>(line[kStatLineMax]) == 0x5a);
  std::string sv = sv_status_line(*st, "svc", normally_up, now);
  FUZZ_CHECK(sv.find('\n') == std::string::npos);
  std::string dt = svstat_text(*st, normally_up, now);
  FUZZ_CHECK(dt.find('\n') == std::string::npos);
  std::string js = json_status_fields(*st, now);
  FUZZ_CHECK(!js.empty() && js.find('\n') == std::string::npos);
  return 0;
}
