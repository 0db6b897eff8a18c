// SPDX-License-Identifier: MIT
// limits: softlimit's table and clamping rule; one getrlimit + setrlimit per resource.
#include "svkit/limits.hpp"

namespace svkit {

LimitResources limit_resources(char letter) noexcept {
  switch (letter) {
    case 'a': return {{RLIMIT_AS, -1, -1, -1, -1}};
    case 'c': return {{RLIMIT_CORE, -1, -1, -1, -1}};
    case 'd': return {{RLIMIT_DATA, -1, -1, -1, -1}};
    case 'f': return {{RLIMIT_FSIZE, -1, -1, -1, -1}};
    case 'l': return {{RLIMIT_MEMLOCK, -1, -1, -1, -1}};
    case 'm': return {{RLIMIT_DATA, RLIMIT_STACK, RLIMIT_MEMLOCK, RLIMIT_AS, -1}};
    case 'o': return {{RLIMIT_NOFILE, -1, -1, -1, -1}};
    case 'p': return {{RLIMIT_NPROC, -1, -1, -1, -1}};
    case 'r': return {{RLIMIT_RSS, -1, -1, -1, -1}};
    case 's': return {{RLIMIT_STACK, -1, -1, -1, -1}};
    case 't': return {{RLIMIT_CPU, -1, -1, -1, -1}};
    default: return {{-1, -1, -1, -1, -1}};
  }
}

std::optional<LimitValue> parse_limit_value(std::string_view arg) noexcept {
  if (arg == "=") return LimitValue{true, 0};
  if (arg.empty()) return std::nullopt;
  constexpr rlim_t kMax = ~static_cast<rlim_t>(0);
  rlim_t n = 0;
  for (char c : arg) {
    if (c < '0' || c > '9') return std::nullopt;
    rlim_t digit = static_cast<rlim_t>(c - '0');
    n = n > (kMax - digit) / 10 ? kMax : n * 10 + digit;
  }
  return LimitValue{false, n};
}

rlim_t new_soft_limit(LimitValue v, rlim_t hard) noexcept {
  if (v.to_hard) return hard;
  // RLIM_INFINITY is the largest rlim_t on Linux, so "above the hard limit" is one compare.
  return v.amount > hard ? hard : v.amount;
}

LimitStep apply_soft_limit(int resource, LimitValue v) noexcept {
  rlimit r;
  auto res = static_cast<decltype(RLIMIT_CPU)>(resource);
  if (::getrlimit(res, &r) != 0) return LimitStep::get;
  r.rlim_cur = new_soft_limit(v, r.rlim_max);
  if (::setrlimit(res, &r) != 0) return LimitStep::set;
  return LimitStep::ok;
}

}  // namespace svkit
