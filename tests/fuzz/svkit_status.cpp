// SPDX-License-Identifier: MIT
// fuzz-needs: lib/svkit_status.cpp
// supervise/svkit-status as a client finds it (any bytes): parse_svkit_status, the time
// parser, svstat --json's fields and the readiness rule never fault; times that parse
// are whole milliseconds of what the text says.
#include <string>

#include "fuzz.hpp"
#include "svkit/svkit_status.hpp"

using namespace svkit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  int64_t now = static_cast<int64_t>(in.u64());
  int64_t started = static_cast<int64_t>(in.u64());
  uint8_t state = in.byte();
  std::string_view text = in.rest();
  SvkitStatus s = parse_svkit_status(text);
  FUZZ_CHECK(s.phase.find('\n') == std::string::npos);
  FUZZ_CHECK(s.reason.find('\n') == std::string::npos);
  for (const auto& w : s.waiting_for) FUZZ_CHECK(!w.empty() && w.find(' ') == std::string::npos);
  std::optional<SvkitStatus> ext = s;
  std::optional<RunState> rs;
  if (state % 4 < 3) rs = static_cast<RunState>(state % 4);
  std::string j = json_svkit_fields(ext, rs, now);
  FUZZ_CHECK(!j.empty() && j.find('\n') == std::string::npos);
  (void)json_svkit_fields(std::nullopt, rs, now);
  if (rs) FUZZ_CHECK(!phase_of(ext, *rs).empty());
  (void)readiness(ext, started);
  size_t nl = text.find('\n');
  if (auto ms = parse_time_ms(text.substr(0, nl))) {
    (void)ms;
  }
  return 0;
}
