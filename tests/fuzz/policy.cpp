// SPDX-License-Identifier: MIT
// fuzz-needs: lib/policy.cpp
// supervise's policy files (any bytes as any file's content), the back-off and
// restart-limit arithmetic fed with fuzzed times, and the svkit-status text with fuzzed
// reason and waiting_for: values stay in their documented ranges, the text stays below
// 1 KiB and is one "key value" per line.
#include <algorithm>
#include <cstring>
#include <string>

#include "fuzz.hpp"
#include "svkit/policy.hpp"

using namespace svkit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  uint8_t which = in.byte();
  std::string_view text = in.take(in.byte());
  switch (which % 5) {
    case 0:
      if (auto v = parse_millis(text)) FUZZ_CHECK(*v <= kMaxMillis);
      break;
    case 1:
      if (auto v = parse_notification_fd(text)) FUZZ_CHECK(*v >= 3 && *v <= kMaxNotificationFd);
      break;
    case 2:
      if (auto v = parse_signal(text)) FUZZ_CHECK(*v > 0 && *v < NSIG);
      break;
    case 3:
      if (auto v = parse_backoff(text)) FUZZ_CHECK(v->first >= 1 && v->first <= v->second);
      break;
    default:
      if (auto v = parse_restart_limit(text))
        FUZZ_CHECK(v->first >= 1 && v->first <= kMaxRestartCount && v->second >= 1000);
      break;
  }
  Policy p;
  p.backoff_initial_ms = static_cast<uint32_t>(in.u64() % kMaxMillis) + 1;
  p.backoff_max_ms = p.backoff_initial_ms + static_cast<uint32_t>(in.u64() % kMaxMillis);
  if (p.backoff_max_ms > kMaxMillis) p.backoff_max_ms = kMaxMillis;
  p.limit_count = static_cast<uint32_t>(in.byte() % kMaxRestartCount) + 1;
  p.limit_ms = static_cast<uint32_t>(in.u64() % (uint64_t{kMaxRestartSeconds} * 1000)) + 1000;
  uint32_t current = 0;
  ExitTally tally;
  uint32_t now = static_cast<uint32_t>(in.u64());
  for (int i = 0; i < 64 && in.left() > 8; ++i) {
    int64_t ran = static_cast<int64_t>(in.u64());
    uint32_t wait = next_backoff(p, current, ran);
    FUZZ_CHECK(wait <= p.backoff_max_ms);
    FUZZ_CHECK(current <= p.backoff_max_ms);
    now += in.byte() * 97u;
    (void)tally.add(now, p.limit_count, p.limit_ms);
    FUZZ_CHECK(tally.n <= kMaxRestartCount && tally.head < kMaxRestartCount);
  }
  ExtStatus e;
  e.phase = static_cast<Phase>(in.byte() % 8);
  e.ready = in.byte() % 3 - 1;
  e.ready_since_ms = static_cast<int64_t>(in.u64());
  e.restarts = static_cast<uint32_t>(in.u64());
  e.has_exit = in.byte() & 1;
  e.exit_code = static_cast<int>(in.u64());
  e.exit_signal = static_cast<int>(in.u64());
  e.backoff_until_ms = static_cast<int64_t>(in.u64());
  std::string reason(in.take(in.byte() * 8));
  std::string waiting(in.rest());
  reason.erase(std::remove(reason.begin(), reason.end(), '\0'), reason.end());
  waiting.erase(std::remove(waiting.begin(), waiting.end(), '\0'), waiting.end());
  e.reason = reason.c_str();
  e.waiting_for = waiting.c_str();
  char out[kExtStatusMax + 1];
  std::memset(out, 0x5a, sizeof out);
  size_t n = format_ext_status(e, out);
  FUZZ_CHECK(n > 0 && n < kExtStatusMax);
  FUZZ_CHECK(static_cast<unsigned char>(out[kExtStatusMax]) == 0x5a);
  FUZZ_CHECK(out[n - 1] == '\n');
  FUZZ_CHECK(std::string_view(out, n).substr(0, 6) == "phase ");
  return 0;
}
