// SPDX-License-Identifier: MIT
// sv_command: what an sv command word means (runit 2.1.2's table, PROTOCOL.md 4.2):
// the control bytes to send, whether to wait, whether to kill on timeout. Pure.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace svkit {

struct SvCommand {
  enum class Kind { control, status, check, enable, disable };
  Kind kind = Kind::control;
  std::string bytes;        // control bytes; for check "C" (runit's wait condition code)
  bool wait = false;        // waits even without -v (the LSB verbs)
  bool kill = false;        // sends 'k' when the wait times out (force-*)
};

// nullopt: a usage error. LSB mode rejects s-words other than start/stop/status/shutdown,
// and has no enable/disable (there, as in runit, "e..." means exit and "d..." down).
std::optional<SvCommand> parse_sv_command(std::string_view word, bool lsb);

}  // namespace svkit
