// SPDX-License-Identifier: MIT
// process_start: a process's start time without /proc (see the header).
#include "svkit/process_start.hpp"
#include "svkit/platform.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "svkit/spawn.hpp"
#include "svkit/unique_fd.hpp"

#if defined(__APPLE__)  // compiled only on macOS (not yet built there: README)
#include <libproc.h>
#include <sys/proc.h>
#include <sys/proc_info.h>
#endif

namespace svkit {
namespace {

std::string_view next_word(std::string_view& t) noexcept {
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  size_t end = 0;
  while (end < t.size() && t[end] != ' ' && t[end] != '\t' && t[end] != '\n') ++end;
  std::string_view w = t.substr(0, end);
  t.remove_prefix(end);
  return w;
}

// Digits only, exactly as many as W has; -1 otherwise.
long digits(std::string_view w) noexcept {
  if (w.empty() || w.size() > 9) return -1;
  long v = 0;
  for (char c : w) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

uint64_t parse_ps_start(std::string_view line) noexcept {
  std::string_view t = line;
  std::string_view stat = next_word(t);
  if (stat.empty() || stat.front() == 'Z') return 0;
  next_word(t);  // day of the week
  static const char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::string_view mon = next_word(t);
  long month = 0;
  for (int i = 0; i < 12 && mon.size() == 3; ++i)
    if (mon == std::string_view(kMonths + 3 * i, 3)) month = i + 1;
  long day = digits(next_word(t));
  std::string_view clock = next_word(t);
  long year = digits(next_word(t));
  if (month == 0 || day < 1 || day > 31 || year < 1970 || clock.size() != 8 ||
      clock[2] != ':' || clock[5] != ':')
    return 0;
  long h = digits(clock.substr(0, 2)), m = digits(clock.substr(3, 2)), s = digits(clock.substr(6, 2));
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60) return 0;
  // Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
  long y = year - (month <= 2);
  long era = y / 400;
  long yoe = y - era * 400;
  long doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long days = era * 146097 + doe - 719468;
  return static_cast<uint64_t>(days) * 86400u + static_cast<uint64_t>(h * 3600 + m * 60 + s);
}

bool same_start(uint64_t a, uint64_t b) noexcept {
  if (a == 0 || b == 0) return false;
#if defined(__APPLE__)
  return a == b;
#else
  return (a > b ? a - b : b - a) <= kStartSlack;
#endif
}

#if defined(__APPLE__)

uint64_t child_start_time(pid_t child) noexcept { return portable_start_time(child); }

bool portable_start_lookup(pid_t pid, uint64_t& start) noexcept {
  start = portable_start_time(pid);  // the kernel answers: always known
  return true;
}

uint64_t portable_start_time(pid_t pid) noexcept {
  if (pid <= 0) return 0;
  struct proc_bsdinfo info;
  if (::proc_pidinfo(pid, PROC_PIDTBSDINFO, 0, &info, sizeof info) != static_cast<int>(sizeof info))
    return 0;
  if (info.pbi_status == SZOMB) return 0;
  return static_cast<uint64_t>(info.pbi_start_tvsec) * 1000000u +
         static_cast<uint64_t>(info.pbi_start_tvusec);
}

#else

uint64_t child_start_time(pid_t child) noexcept {
  if (child <= 0) return 0;
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec > 0 ? static_cast<uint64_t>(now.tv_sec) : 0;
}

uint64_t portable_start_time(pid_t pid) noexcept {
  uint64_t start = 0;
  return portable_start_lookup(pid, start) ? start : 0;
}

bool portable_start_lookup(pid_t pid, uint64_t& start) noexcept {
  start = 0;
  if (pid <= 0) return true;
  char pid_text[24];
  {
    char tmp[24];
    int n = 0;
    for (unsigned long v = static_cast<unsigned long>(pid); v; v /= 10) tmp[n++] = static_cast<char>('0' + v % 10);
    for (int i = 0; i < n; ++i) pid_text[i] = tmp[n - 1 - i];
    pid_text[n] = 0;
  }
  UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  char ps[] = "/bin/ps", o[] = "-o", fields[] = "stat=,lstart=", dash_p[] = "-p";
  char* argv[] = {ps, o, fields, dash_p, pid_text, nullptr};
  char lc[] = "LC_ALL=C", tz[] = "TZ=UTC0", path[] = "PATH=/bin:/usr/bin";
  char* envp[] = {lc, tz, path, nullptr};
  FdMove moves[] = {{null ? null.get() : -1, 2}, {-1, 0}};
  SpawnSpec spec;
  spec.path = ps;
  spec.argv = argv;
  spec.envp = envp;
  spec.moves = moves;
  spec.n_moves = 2;
  spec.new_session = false;
  try {
    Captured answer;  // one line; a ps that hangs is killed after 5 s: "not known"
    if (!capture(spec, 5000, 4096, answer) || !WIFEXITED(answer.status)) return false;
    if (WEXITSTATUS(answer.status) != 0)  // ps -p exits 1 for no such process
      return ::kill(pid, 0) != 0 && errno == ESRCH;
    start = parse_ps_start(answer.out);
    if (start != 0) return true;
    // 0: a zombie (state Z) is gone for our purpose; a line that does not parse is not.
    size_t at = answer.out.find_first_not_of(" \t");
    return at != std::string::npos && answer.out[at] == 'Z';
  } catch (...) {  // out of memory: not known this time
    return false;
  }
}

#endif

}  // namespace svkit
