// SPDX-License-Identifier: MIT
// status_file: runit's 20-byte supervise/status record, its text twins stat and pid,
// and their atomic replacement (write NAME.new, rename over NAME). PROTOCOL.md 1.1-1.5.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "svkit/tai64n.hpp"

namespace svkit {

inline constexpr size_t kStatusSize = 20;         // runit
inline constexpr size_t kDaemontoolsStatusSize = 18;

enum class RunState : uint8_t { down = 0, run = 1, finish = 2 };
// "down", "run", "finish": the word runit's stat file, sv and svstat --json use.
const char* state_word(RunState st) noexcept;
enum class Want : char { up = 'u', down = 'd', none = 0 };  // runit writes 'd' for exit too

struct Status {
  Tai64n when;                 // last up/down transition
  pid_t pid = 0;               // run (or finish) pid; 0 when nothing runs
  bool paused = false;
  Want want = Want::up;
  bool got_term = false;
  RunState state = RunState::down;
  bool want_exit = false;      // not in the record (runit writes 'd'); shown by stat only
};

void pack_status(const Status& s, unsigned char out[kStatusSize]) noexcept;
// Accepts runit's 20 bytes and daemontools' 18 (state derived from the pid); else nullopt.
std::optional<Status> unpack_status(const unsigned char* data, size_t len) noexcept;

// The stat line: "run, paused, got TERM, want down\n" (PROTOCOL.md 1.4), written into
// OUT without allocating; returns its length (at most kStatLineMax).
inline constexpr size_t kStatLineMax = 48;
size_t format_stat(const Status& s, char out[kStatLineMax]) noexcept;

// Replaces DIRFD-relative NAME atomically through NAME.new (dirfd may be AT_FDCWD).
// Returns false with errno set (EIO for a partial write); the old file then stays.
bool replace_file(int dirfd, const char* name, const char* name_new, const void* data,
                  size_t len) noexcept;

// Reads supervise/status under a service directory path. nullopt with errno set
// (EPROTO: wrong size, "bad format").
std::optional<Status> read_status(const std::string& service_dir) noexcept;

}  // namespace svkit
