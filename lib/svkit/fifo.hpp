// SPDX-License-Identifier: MIT
// fifo: the supervise FIFOs from both sides: create-or-reuse and hold them (supervisor),
// probe supervise/ok and write control bytes (clients). PROTOCOL.md 1.6-1.7.
#pragma once
#include <string>
#include <string_view>

#include "svkit/unique_fd.hpp"

namespace svkit {

// Creates NAME (relative to dirfd) as a FIFO with mode 0600 unless a FIFO is already there.
// Returns false with errno set; EEXIST when NAME exists but is not a FIFO.
bool make_fifo(int dirfd, const char* name) noexcept;

// Opens a FIFO for reading, non-blocking, close-on-exec. Invalid UniqueFd + errno on failure.
UniqueFd open_fifo_reader(int dirfd, const char* name) noexcept;

enum class Probe { yes, no, missing, error };
// Is a supervisor holding SERVICE_DIR/supervise/ok? no = ENXIO, missing = ENOENT,
// error = anything else (errno kept in all three). The one probe of svscan, svok, svstat
// and sv (the clients pass "." from inside the service directory).
Probe probe_supervisor(const std::string& service_dir) noexcept;

enum class SendResult { sent, not_supervised, error };
// Writes BYTES into SERVICE_DIR/supervise/control in one write (O_WRONLY|O_NONBLOCK).
// not_supervised = ENXIO; error keeps errno (ENOENT, EACCES, EAGAIN when the FIFO is full).
SendResult send_control(const std::string& service_dir, std::string_view bytes) noexcept;

}  // namespace svkit
