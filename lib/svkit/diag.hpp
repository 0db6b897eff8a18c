// SPDX-License-Identifier: MIT
// diag: who is talking, how to say it (one line, one write(2)), and how to leave.
#pragma once
#include <initializer_list>
#include <string_view>

namespace svkit {

inline constexpr int kExitUsage = 100;       // bad invocation or permanent error
inline constexpr int kExitTemporary = 111;   // a system call failed; retrying may help
inline constexpr int kExitExecFailed = 126;  // found the program but could not exec it
inline constexpr int kExitNotFound = 127;    // the program to chain into does not exist

using Parts = std::initializer_list<std::string_view>;

void set_prog(const char* name) noexcept;    // first line of main()
const char* prog() noexcept;

// djb's error texts ("file does not exist", ...): byte-identical to runit/daemontools.
const char* error_str(int errnum) noexcept;

// Writes "prog: " + parts + "\n" to stderr in one write(2); the line is cut at 1 KiB.
void say(Parts parts) noexcept;
[[noreturn]] void die_usage(std::string_view usage) noexcept;  // "prog: usage: USAGE", exit 100
[[noreturn]] void die(int code, Parts parts) noexcept;         // "prog: fatal: ...", _exit(code)
[[noreturn]] void die_sys(int code, Parts parts) noexcept;     // "...: error_str(errno)"
void warn(Parts parts) noexcept;                               // "prog: warning: ..."
void warn_sys(Parts parts) noexcept;                           // "...: error_str(errno)"

// Writes raw text to an fd in one call, retrying on EINTR/short writes. Returns false on error.
bool write_all(int fd, std::string_view text) noexcept;

}  // namespace svkit
