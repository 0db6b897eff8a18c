// SPDX-License-Identifier: MIT
// softlimit's values: parse_limit_value on any text accepts exactly "=" and runs of
// decimal digits; the new soft limit never exceeds the hard one; every option letter maps
// to real resources or to none.
#include <sys/resource.h>

#include "fuzz.hpp"
#include "svkit/limits.hpp"

using namespace svkit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  char letter = static_cast<char>(in.byte());
  rlim_t hard = static_cast<rlim_t>(in.u64());
  std::string_view arg = in.rest();
  auto v = parse_limit_value(arg);
  bool digits = !arg.empty() && arg.find_first_not_of("0123456789") == std::string_view::npos;
  FUZZ_CHECK(v.has_value() == (arg == "=" || digits));
  if (v) {
    FUZZ_CHECK(v->to_hard == (arg == "="));
    rlim_t soft = new_soft_limit(*v, hard);
    if (hard != RLIM_INFINITY) FUZZ_CHECK(soft <= hard);
    if (v->to_hard) FUZZ_CHECK(soft == hard);
  }
  LimitResources r = limit_resources(letter);
  bool ended = false;
  for (int res : r.list) {
    if (res == -1) ended = true;
    if (ended) continue;  // after the first -1 nothing counts
    FUZZ_CHECK(res >= 0 && res < RLIM_NLIMITS);
  }
  return 0;
}
