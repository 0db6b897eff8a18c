// SPDX-License-Identifier: MIT
// limits: softlimit's option letters, its number syntax and the rule for a new soft limit.
#pragma once
#include <sys/resource.h>

#include <optional>
#include <string_view>

namespace svkit {

// getopt string of softlimit: '+' stops at the first operand, every option takes a value.
inline constexpr const char* kLimitOptions = "+a:c:d:f:l:m:o:p:r:s:t:";

// The resources an option letter sets, in daemontools' order, ending with -1.
// -m sets data, stack, locked memory and address space. All -1 for an unknown letter.
struct LimitResources {
  int list[5];
};
LimitResources limit_resources(char letter) noexcept;

// A parsed value: "=" (up to the hard limit) or a decimal number of bytes, files,
// processes or seconds. A number too big for rlim_t saturates (it is clamped anyway).
struct LimitValue {
  bool to_hard = false;
  rlim_t amount = 0;
};
// nullopt unless ARG is "=" or one or more decimal digits.
std::optional<LimitValue> parse_limit_value(std::string_view arg) noexcept;

// The soft limit to set: the hard limit for "=", else AMOUNT clamped to HARD.
rlim_t new_soft_limit(LimitValue v, rlim_t hard) noexcept;

enum class LimitStep { ok, get, set };
// Sets RESOURCE's soft limit (the hard one unchanged). Returns the failed step, errno set.
LimitStep apply_soft_limit(int resource, LimitValue v) noexcept;

}  // namespace svkit
