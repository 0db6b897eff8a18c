// SPDX-License-Identifier: MIT
// policy: parsers for svkit's optional service files and the svkit-status text.
#include "svkit/policy.hpp"
#include "svkit/platform.hpp"
#include "svkit/process_start.hpp"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

namespace svkit {
namespace {

bool blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view t) noexcept {
  while (!t.empty() && blank(t.front())) t.remove_prefix(1);
  while (!t.empty() && blank(t.back())) t.remove_suffix(1);
  return t;
}

// Digits only (no sign), at most MAX.
std::optional<uint32_t> number(std::string_view t, uint32_t max) noexcept {
  if (t.empty() || t.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return static_cast<uint32_t>(v);
}

// "A B": two numbers separated by blanks.
bool two(std::string_view t, uint32_t max_a, uint32_t max_b, uint32_t& a, uint32_t& b) noexcept {
  t = trim(t);
  size_t sp = 0;
  while (sp < t.size() && !blank(t[sp])) ++sp;
  if (sp == t.size()) return false;
  auto x = number(t.substr(0, sp), max_a), y = number(trim(t.substr(sp)), max_b);
  if (!x || !y) return false;
  a = *x;
  b = *y;
  return true;
}

struct SignalName {
  const char* name;
  int sig;
};
const SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT}, {"BUS", SIGBUS},   {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},   {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"SYS", SIGSYS},
};

// Reads NAME below DIRFD into BUF. 1: read (LEN set); 0: absent; -1: unreadable or huge.
int slurp(int dirfd, const char* name, char* buf, size_t& len) noexcept {
  int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
  len = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf + len, kPolicyFileMax + 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += static_cast<size_t>(n);
    if (len > kPolicyFileMax) break;
  }
  ::close(fd);
  return len > kPolicyFileMax ? -1 : 1;
}

bool executable(int dirfd, const char* name) noexcept {
  struct stat st;
  return ::fstatat(dirfd, name, &st, 0) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR);
}

char* put_u64(char* p, uint64_t v) noexcept {
  char tmp[24];
  int n = 0;
  do tmp[n++] = static_cast<char>('0' + v % 10); while ((v /= 10) != 0);
  while (n) *p++ = tmp[--n];
  return p;
}

char* put_int(char* p, int v) noexcept {
  if (v < 0) {
    *p++ = '-';
    return put_u64(p, 0u - static_cast<uint64_t>(static_cast<int64_t>(v)));
  }
  return put_u64(p, static_cast<uint64_t>(v));
}

char* put_str(char* p, const char* s, const char* end) noexcept {
  while (*s && p < end) {
    char c = *s++;
    *p++ = (c == '\n' || c == '\r') ? ' ' : c;  // one line, whatever the source
  }
  return p;
}

char* put_time(char* p, int64_t ms) noexcept {
  if (ms < 0) {
    *p++ = '-';
    return p;
  }
  p = put_u64(p, static_cast<uint64_t>(ms / 1000));
  *p++ = '.';
  int frac = static_cast<int>(ms % 1000);
  *p++ = static_cast<char>('0' + frac / 100);
  *p++ = static_cast<char>('0' + frac / 10 % 10);
  *p++ = static_cast<char>('0' + frac % 10);
  return p;
}

char* put_nl(char* p) noexcept {
  *p = '\n';
  return p + 1;
}

char* put_key(char* p, const char* key) noexcept {
  size_t n = strlen(key);
  memcpy(p, key, n);
  p[n] = ' ';
  return p + n + 1;
}

}  // namespace

const char* policy_file_name(PolicyFile f) noexcept {
  switch (f) {
    case PolicyFile::notification_fd: return "notification-fd";
    case PolicyFile::timeout_ready: return "timeout-ready";
    case PolicyFile::down_signal: return "down-signal";
    case PolicyFile::timeout_kill: return "timeout-kill";
    case PolicyFile::timeout_finish: return "timeout-finish";
    case PolicyFile::restart_backoff: return "restart-backoff";
    case PolicyFile::restart_limit: return "restart-limit";
    case PolicyFile::memory_limit: return "memory-limit";
    case PolicyFile::cpu_limit: return "cpu-limit";
    case PolicyFile::watchdog_interval: return "watchdog-interval";
    case PolicyFile::dependencies_d: return "dependencies.d";
    case PolicyFile::count: break;
  }
  return "";
}

std::optional<uint32_t> parse_millis(std::string_view text) noexcept {
  return number(trim(text), kMaxMillis);
}

std::optional<int> parse_notification_fd(std::string_view text) noexcept {
  auto v = number(trim(text), kMaxNotificationFd);
  if (!v || *v < 3) return std::nullopt;  // 0-2 are the service's stdio
  return static_cast<int>(*v);
}

std::optional<int> parse_signal(std::string_view text) noexcept {
  std::string_view t = trim(text);
  if (auto v = number(t, 64)) {
    if (*v >= 1 && static_cast<int>(*v) < NSIG) return static_cast<int>(*v);
    return std::nullopt;
  }
  if (t.size() > 3 && t.substr(0, 3) == "SIG") t.remove_prefix(3);
  for (const SignalName& s : kSignals)
    if (t == s.name) return s.sig;
  return std::nullopt;
}

std::optional<std::pair<uint32_t, uint32_t>> parse_backoff(std::string_view text) noexcept {
  uint32_t a = 0, b = 0;
  if (!two(text, kMaxMillis, kMaxMillis, a, b) || a < 1 || b < a) return std::nullopt;
  return std::make_pair(a, b);
}

std::optional<std::pair<uint32_t, uint32_t>> parse_restart_limit(std::string_view text) noexcept {
  uint32_t a = 0, b = 0;
  if (!two(text, kMaxRestartCount, kMaxRestartSeconds, a, b) || a < 1 || b < 1)
    return std::nullopt;
  return std::make_pair(a, b * 1000);
}

std::optional<uint64_t> parse_memory_limit(std::string_view text) noexcept {
  std::string_view t = trim(text);
  unsigned shift = 0;
  if (!t.empty()) {
    switch (t.back()) {
      case 'K': case 'k': shift = 10; break;
      case 'M': case 'm': shift = 20; break;
      case 'G': case 'g': shift = 30; break;
      default: break;
    }
    if (shift) t.remove_suffix(1);
  }
  if (t.empty() || t.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v == 0 || v > (UINT64_MAX >> 1 >> shift)) return std::nullopt;
  return v << shift;
}

std::optional<std::pair<uint32_t, uint32_t>> parse_cpu_limit(std::string_view text) noexcept {
  uint32_t a = 0, b = 0;
  if (!two(text, kMaxCpuPercent, kMaxCpuSeconds, a, b) || a < 1 || b < 1) return std::nullopt;
  return std::make_pair(a, b);
}

std::optional<uint32_t> parse_watchdog_interval(std::string_view text) noexcept {
  auto v = number(trim(text), kMaxMillis);
  if (!v || *v < kWatchdogMinMs) return std::nullopt;
  return v;
}

size_t format_size(uint64_t bytes, char out[24]) noexcept {
  static const char units[] = {'G', 'M', 'K'};
  char* p = out;
  for (int i = 0; i < 3; ++i) {
    uint64_t unit = uint64_t{1} << (30 - 10 * i);
    if (bytes < unit) continue;
    p = put_u64(p, bytes / unit);
    uint64_t tenth = bytes % unit * 10 / unit;  // one decimal, truncated
    if (tenth) {
      *p++ = '.';
      *p++ = static_cast<char>('0' + tenth);
    }
    *p++ = units[i];
    *p = 0;
    return static_cast<size_t>(p - out);
  }
  p = put_u64(p, bytes);
  *p = 0;
  return static_cast<size_t>(p - out);
}

Policy read_policy(int dirfd) noexcept {
  Policy p;
  char buf[kPolicyFileMax + 1];
  for (int i = 0; i < static_cast<int>(PolicyFile::dependencies_d); ++i) {
    auto f = static_cast<PolicyFile>(i);
    size_t len = 0;
    int r = slurp(dirfd, policy_file_name(f), buf, len);
    if (r == 0) continue;
    std::string_view text(buf, r > 0 ? len : 0);
    bool ok = r > 0;
    switch (f) {
      case PolicyFile::notification_fd: {
        auto v = ok ? parse_notification_fd(text) : std::nullopt;
        if ((ok = v.has_value())) p.notification_fd = static_cast<int16_t>(*v);
        break;
      }
      case PolicyFile::down_signal: {
        auto v = ok ? parse_signal(text) : std::nullopt;
        if ((ok = v.has_value())) p.down_signal = static_cast<uint8_t>(*v);
        break;
      }
      case PolicyFile::timeout_ready:
      case PolicyFile::timeout_kill:
      case PolicyFile::timeout_finish: {
        auto v = ok ? parse_millis(text) : std::nullopt;
        if ((ok = v.has_value())) {
          uint32_t& dst = f == PolicyFile::timeout_ready  ? p.timeout_ready_ms
                          : f == PolicyFile::timeout_kill ? p.timeout_kill_ms
                                                          : p.timeout_finish_ms;
          dst = *v;
        }
        break;
      }
      case PolicyFile::restart_backoff: {
        auto v = ok ? parse_backoff(text) : std::nullopt;
        if ((ok = v.has_value())) {
          p.backoff_initial_ms = v->first;
          p.backoff_max_ms = v->second;
        }
        break;
      }
      case PolicyFile::restart_limit: {
        auto v = ok ? parse_restart_limit(text) : std::nullopt;
        if ((ok = v.has_value())) {
          p.limit_count = v->first;
          p.limit_ms = v->second;
        }
        break;
      }
      case PolicyFile::memory_limit: {
        auto v = ok ? parse_memory_limit(text) : std::nullopt;
        if ((ok = v.has_value())) p.memory_limit = *v;
        break;
      }
      case PolicyFile::cpu_limit: {
        auto v = ok ? parse_cpu_limit(text) : std::nullopt;
        if ((ok = v.has_value())) {
          p.cpu_percent = v->first;
          p.cpu_seconds = v->second;
        }
        break;
      }
      case PolicyFile::watchdog_interval: {
        auto v = ok ? parse_watchdog_interval(text) : std::nullopt;
        if ((ok = v.has_value())) p.watchdog_ms = *v;
        break;
      }
      case PolicyFile::dependencies_d:
      case PolicyFile::count: break;
    }
    if (!ok) p.malformed = static_cast<uint16_t>(p.malformed | (1u << i));
  }
  if (!p.watched()) p.watchdog_ms = 0;  // an interval alone watches nothing
  else if (!p.watchdog_ms) p.watchdog_ms = kWatchdogDefaultMs;
  p.check = p.notification_fd < 0 && executable(dirfd, "check");
  p.alert = executable(dirfd, "alert");
  struct stat st;
  if (::fstatat(dirfd, "dependencies.d", &st, 0) == 0) {
    p.dependencies = S_ISDIR(st.st_mode);
    if (!p.dependencies)  // a file (or anything else) there: malformed, so absent
      p.malformed = static_cast<uint16_t>(p.malformed | (1u << static_cast<int>(PolicyFile::dependencies_d)));
  }
  return p;
}

uint32_t next_backoff(const Policy& p, uint32_t& current, int64_t ran_ms) noexcept {
  if (p.backoff_initial_ms == 0) return 0;
  if (current == 0 || ran_ms >= static_cast<int64_t>(p.backoff_max_ms)) current = p.backoff_initial_ms;
  uint32_t wait = current < p.backoff_initial_ms ? p.backoff_initial_ms
                  : current > p.backoff_max_ms   ? p.backoff_max_ms
                                                 : current;
  uint64_t doubled = static_cast<uint64_t>(wait) * 2;
  current = static_cast<uint32_t>(doubled > p.backoff_max_ms ? p.backoff_max_ms : doubled);
  return wait;
}

bool ExitTally::add(uint32_t now, uint32_t count, uint32_t window_ms) noexcept {
  if (count == 0) return false;
  if (count > kMaxRestartCount) count = kMaxRestartCount;
  at[head] = now;
  head = static_cast<uint8_t>((head + 1) % kMaxRestartCount);
  if (n < kMaxRestartCount) ++n;
  if (n < count) return false;
  // The COUNT-th most recent exit (this one is the first).
  uint32_t oldest = at[(head + kMaxRestartCount - count) % kMaxRestartCount];
  return now - oldest <= window_ms;  // unsigned: right across the 49-day wrap
}

size_t format_ext_status(const ExtStatus& e, char out[kExtStatusMax]) noexcept {
  // Fixed lines take < 200 bytes; reason and waiting_for share the rest.
  char* p = out;
  p = put_key(p, "phase");
  p = put_str(p, phase_name(e.phase), p + 16);
  p = put_key(put_nl(p), "ready");
  *p++ = e.ready < 0 ? '-' : e.ready ? '1' : '0';
  p = put_key(put_nl(p), "ready_since");
  p = put_time(p, e.ready < 1 ? -1 : e.ready_since_ms);
  p = put_key(put_nl(p), "restarts");
  p = put_u64(p, e.restarts);
  p = put_key(put_nl(p), "last_exit");
  if (e.has_exit) {
    p = put_int(p, e.exit_code);
    *p++ = ' ';
    p = put_int(p, e.exit_signal);
  } else {
    *p++ = '-';
    *p++ = ' ';
    *p++ = '-';
  }
  p = put_key(put_nl(p), "reason");
  p = put_str(p, e.reason ? e.reason : "", out + 512);
  p = put_key(put_nl(p), "waiting_for");
  p = put_str(p, e.waiting_for ? e.waiting_for : "", out + kExtStatusMax - 400);
  p = put_key(put_nl(p), "backoff_until");
  p = put_time(p, e.backoff_until_ms);
  p = put_key(put_nl(p), "pid_start");  // for adoption after a crash of supervise
  if (e.pid > 0 && e.pid_start) {
    p = put_u64(p, static_cast<uint64_t>(e.pid));
    *p++ = ' ';
    p = put_u64(p, e.pid_start);
  } else {
    *p++ = '-';
    *p++ = ' ';
    *p++ = '-';
  }
  // WAVE3: the watchdog's settings and last trip (< 250 bytes with an 80-byte reason).
  p = put_key(put_nl(p), "supervisor");
  p = put_u64(p, static_cast<uint64_t>(e.supervisor > 0 ? e.supervisor : 0));
  p = put_key(put_nl(p), "memory_limit");
  if (e.memory_limit) p = put_u64(p, e.memory_limit);
  else *p++ = '-';
  p = put_key(put_nl(p), "cpu_limit");
  if (e.cpu_percent) {
    p = put_u64(p, e.cpu_percent);
    *p++ = ' ';
    p = put_u64(p, e.cpu_seconds);
  } else {
    *p++ = '-';
  }
  p = put_key(put_nl(p), "watchdog_interval");
  if (e.watchdog_ms) p = put_u64(p, e.watchdog_ms);
  else *p++ = '-';
  p = put_key(put_nl(p), "watchdog_trip");
  p = put_time(p, e.trip_ms);
  if (e.trip_ms >= 0) {
    *p++ = ' ';
    p = put_str(p, e.trip_reason ? e.trip_reason : "", out + kExtStatusMax - 2);
  }
  *p++ = '\n';
  return static_cast<size_t>(p - out);
}

uint64_t parse_start_time(std::string_view t) noexcept {
  size_t close = t.rfind(')');  // the command name may hold blanks and parentheses
  if (close == std::string_view::npos) return 0;
  size_t i = close + 1;
  for (int field = 2; field < 22; ++field) {  // field 2 ends at the ')'
    while (i < t.size() && t[i] == ' ') ++i;
    if (field == 21) break;
    while (i < t.size() && t[i] != ' ') ++i;
  }
  uint64_t v = 0;
  size_t start = i;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') v = v * 10 + static_cast<uint64_t>(t[i++] - '0');
  return i > start && (i == t.size() || t[i] == ' ' || t[i] == '\n') ? v : 0;
}

uint64_t start_time_of(pid_t pid) noexcept {
#if SVKIT_LINUX
  if (pid <= 0) return 0;
  char path[32] = "/proc/";
  char* p = put_u64(path + 6, static_cast<uint64_t>(pid));
  memcpy(p, "/stat", 6);
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  return n > 0 ? parse_start_time(std::string_view(buf, static_cast<size_t>(n))) : 0;
#else
  return portable_start_time(pid);  // proc_pidinfo on macOS, ps elsewhere (1-s granularity)
#endif
}

bool parse_pid_start(std::string_view text, pid_t& pid, uint64_t& ticks) noexcept {
  size_t at = 0;
  for (;;) {
    if (text.compare(at, 10, "pid_start ") == 0) break;
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) return false;
    at = nl + 1;
  }
  std::string_view rest = text.substr(at + 10);
  rest = rest.substr(0, rest.find('\n'));
  size_t sp = rest.find(' ');
  if (sp == std::string_view::npos) return false;
  auto x = number(rest.substr(0, sp), 0x7fffffff);
  std::string_view tail = rest.substr(sp + 1);
  if (!x || *x == 0 || tail.empty() || tail.size() > 19) return false;
  uint64_t v = 0;
  for (char c : tail) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  pid = static_cast<pid_t>(*x);
  ticks = v;
  return v != 0;
}

}  // namespace svkit
