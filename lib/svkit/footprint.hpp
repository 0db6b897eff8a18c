// SPDX-License-Identifier: MIT
// footprint: after start-up, drop the mappings of the executable's read-only pages and
// turn off fault-around for them, so a long-lived daemon maps only what it keeps using.
#pragma once

namespace svkit {

// Linux: madvise(MADV_RANDOM, MADV_DONTNEED) on the executable's read-only segments (file
// pages: nothing is lost, they fault back in on use). Elsewhere: nothing. Never fails.
void trim_footprint() noexcept;

}  // namespace svkit
