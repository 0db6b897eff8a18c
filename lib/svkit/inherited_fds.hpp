// SPDX-License-Identifier: MIT
// inherited_fds: what a daemon does first with the descriptors it was started with.
#pragma once

namespace svkit {

// Opens /dev/null on any of 0, 1, 2 that is closed (else our own files would take those
// numbers and be handed to children as stdio), then marks every inherited fd above 2
// close-on-exec: children get only what spawn() moves into place.
void cloexec_inherited() noexcept;

}  // namespace svkit
