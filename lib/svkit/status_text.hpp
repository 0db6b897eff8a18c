// SPDX-License-Identifier: MIT
// status_text: a supervise status record as people and scripts read it: runit's sv line
// ("run: web: (pid 42) 3s, want down"), daemontools' svstat text and svkit's JSON. Pure.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "svkit/status_file.hpp"

namespace svkit {

// Whole seconds from the record's timestamp to NOW (a TAI64 label), clamped at 0.
uint64_t seconds_since(const Status& s, uint64_t now_tai_sec) noexcept;

// runit sv: "run: NAME: (pid N) Ss[, normally down][, paused][, want down][, got TERM]",
// "down: NAME: Ss[, normally up][, want up]", "finish: ..."; no newline.
std::string sv_status_line(const Status& s, std::string_view name, bool normally_up,
                           uint64_t now_tai_sec);

// daemontools svstat, after "DIR: ": "up (pid N) S seconds[, normally down][, paused]
// [, want down]" or "down S seconds[, normally up][, want up]"; no newline.
std::string svstat_text(const Status& s, bool normally_up, uint64_t now_tai_sec);

// A JSON string literal (quotes included) with RFC 8259 escapes; bytes >= 0x80 are passed
// through, so UTF-8 stays UTF-8.
std::string json_string(std::string_view text);

// The status fields of svstat --json without braces: "\"supervised\":true,\"want\":\"up\",..."
std::string json_status_fields(const Status& s, uint64_t now_tai_sec);

}  // namespace svkit
