// SPDX-License-Identifier: MIT
// fuzz-needs: lib/svkit_status.cpp
// fuzz-needs: lib/policy.cpp
// supervise/svkit-status as a client finds it (any bytes): parse_svkit_status, the time
// parser, svstat --json's fields and the readiness rule never fault. Then the writer's
// side: what supervise's format_ext_status writes from fuzzed values reads back the same.
#include <cstring>
#include <string>

#include "fuzz.hpp"
#include "svkit/policy.hpp"
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
  (void)parse_time_ms(text.substr(0, nl));

  // Round trip: the input's bytes as the writer's values.
  FuzzInput w(data, size);
  ExtStatus e;
  e.phase = static_cast<Phase>(w.byte() % 8);
  e.ready = w.byte() % 3 - 1;
  e.ready_since_ms = static_cast<int64_t>(w.u64() % 4000000000000);
  e.restarts = static_cast<uint32_t>(w.u64());
  e.has_exit = w.byte() & 1;
  e.exit_code = static_cast<int>(w.u64() % 257) - 1;  // what wait() gives: -1 (signal), 0..255
  e.exit_signal = static_cast<int>(w.byte() % 65);
  e.backoff_until_ms = (w.byte() & 1) ? static_cast<int64_t>(w.u64() % 4000000000000) : -1;
  std::string reason(w.take(w.byte() * 4)), waiting(w.rest());
  for (std::string* t : {&reason, &waiting})
    for (char& c : *t)
      if (c == '\0') c = 'x';
  e.reason = reason.c_str();
  e.waiting_for = waiting.c_str();
  char out[kExtStatusMax];
  size_t n = format_ext_status(e, out);
  FUZZ_CHECK(n < kExtStatusMax);
  SvkitStatus r = parse_svkit_status(std::string_view(out, n));
  FUZZ_CHECK(r.phase == phase_name(e.phase));
  FUZZ_CHECK(r.restarts && *r.restarts == e.restarts);
  if (e.ready < 0) FUZZ_CHECK(!r.ready);
  else FUZZ_CHECK(r.ready && *r.ready == (e.ready == 1));
  if (e.ready == 1) FUZZ_CHECK(r.ready_since_ms && *r.ready_since_ms == e.ready_since_ms);
  else FUZZ_CHECK(!r.ready_since_ms);
  if (e.has_exit) FUZZ_CHECK(r.last_exit && r.last_exit->first == e.exit_code &&
                             r.last_exit->second == e.exit_signal);
  else FUZZ_CHECK(!r.last_exit);
  if (e.backoff_until_ms >= 0) FUZZ_CHECK(r.backoff_until_ms && *r.backoff_until_ms == e.backoff_until_ms);
  else FUZZ_CHECK(!r.backoff_until_ms);
  std::string flat = reason;  // the writer keeps the text on one line
  for (char& c : flat)
    if (c == '\n' || c == '\r') c = ' ';
  FUZZ_CHECK(flat.compare(0, r.reason.size(), r.reason) == 0);
  return 0;
}
