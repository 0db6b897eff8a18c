// SPDX-License-Identifier: MIT
// nomem: what a daemon does when memory runs out after setup. runit's svlogd pauses and
// tries again ("pausing: out of memory."); svkit's daemons do the same for every
// allocation made through operator new: they stall, they never die, and no half-done
// step is unwound (std::bad_alloc is never thrown).
#pragma once

namespace svkit {

// Installs a std::new_handler that writes "PROG: pausing: out of memory." (at most once
// every 10 s), sleeps PAUSE_MS and lets operator new try again. A daemon calls it once its
// arguments are read: a restarted one (its supervise retries each second) is then not
// killed by the very shortage it was restarted into.
void pause_on_nomem(unsigned pause_ms = 100) noexcept;

}  // namespace svkit
