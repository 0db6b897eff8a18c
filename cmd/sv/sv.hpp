// SPDX-License-Identifier: MIT
// sv: runit's sv (PROTOCOL.md 4) plus enable/disable. One Ctx carries the whole run.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "svkit/status_file.hpp"
#include "svkit/status_watch.hpp"
#include "svkit/sv_command.hpp"

namespace sv {

// A ./check that said "not yet" is asked again this often (runit: every 420 ms).
inline constexpr std::chrono::milliseconds kCheckInterval{100};

enum class Got { error, not_running, ok };       // status_get: error and not running are said
enum class Shown { unknown, pid, no_pid };       // status_print: unknown = down not stat-able
enum class Sent { failed, skipped, sent };       // control: failed is said; skipped = no need
enum class Reach { give_up, not_yet, reached };  // check: give_up is said; reached says "ok:"

struct Ctx {
  const char* progname = "sv";
  bool lsb = false;                 // called as /etc/init.d/NAME
  std::string svdir;                // $SVDIR or the build-time default
  unsigned long wait_sec = 7;       // -w / $SVWAIT
  bool verbose = false;             // -v / -w
  svkit::SvCommand cmd;
  std::vector<const char*> services;
  svkit::Tai64n start_tai;          // when sv started (the waits compare status times with it)
  uint64_t now_tai = 0;             // TAI64 seconds of the current round (for "3s")
  svkit::StatusWatch::Clock::time_point start{};
  int curdir = -1;
  unsigned rc = 0;                  // failures so far (runit's count)
  svkit::StatusWatch watch;

  // the service being handled (runit's globals)
  const char* name = "";
  bool islog = false;
  unsigned char raw[svkit::kStatusSize] = {};
  bool check_failed = false;        // a ./check said "not yet" in this round
};

// Output as runit's sv: stdout line by line, warnings about check/down on stderr.
void outs(std::string_view s);
void flush(std::string_view s = {});
void errline(std::string_view a, std::string_view b = {}, std::string_view c = {},
             std::string_view d = {});
void fail(Ctx& c, std::string_view msg, int err);
void warn(Ctx& c, std::string_view msg, int err);
void ok(Ctx& c, std::string_view msg);
[[noreturn]] void done(Ctx& c, int code);
[[noreturn]] void usage(Ctx& c);

svkit::Status raw_status(const Ctx& c);
Got status_get(Ctx& c);                       // reads supervise/status into c.raw
Shown status_print(Ctx& c, const char* label);  // runit's status line for c.raw
void status_cmd(Ctx& c);                        // "status" (LSB: exits with its code)
Sent control(Ctx& c, const char* bytes);
Reach check(Ctx& c, const char* bytes);         // has each byte's wait condition been met?

// Path used to reach service NAME: in $SVDIR unless it starts with / or ., is empty or
// ends with / (runit's rule). Returns false (with errno) when it cannot be entered.
std::string service_path(const Ctx& c, const char* name);
bool enter_service(const Ctx& c, const char* name);
void leave_service(Ctx& c);

int run_services(Ctx& c);                     // the act phase, then the wait loop
int enable_cmd(Ctx& c);
int disable_cmd(Ctx& c);

}  // namespace sv
