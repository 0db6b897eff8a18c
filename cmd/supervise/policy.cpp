// SPDX-License-Identifier: MIT
// policy: svkit's optional service files in supervise (man/supervise.8): readiness
// (notification-fd, ./check, timeout-ready), stop escalation (timeout-kill,
// timeout-finish), restart-backoff, restart-limit and ./alert. Every deadline lives in
// Service and reaches poll() through next_deadline(); a service without the files has
// none, so it never wakes up for them.
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "service.hpp"
#include "svkit/diag.hpp"
#include "svkit/proc_tree.hpp"
#include "svkit/spawn.hpp"

namespace supervise {
namespace {

constexpr uint32_t kCheckFirstMs = 10, kCheckMaxMs = 1000;
constexpr int64_t kAlertMaxMs = 10000;
constexpr uint32_t kLeftoverKillMs = 2000;  // leftovers' KILL without timeout-kill
constexpr int64_t kLeftoverLookMs = 200;    // then: look again until they are gone

int64_t real_ms() noexcept {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// A tiny appender into a fixed buffer (no stdio in supervise).
struct Text {
  char* p;
  char* end;
  Text& operator<<(const char* s) noexcept {
    while (*s && p + 1 < end) *p++ = *s++;
    *p = 0;
    return *this;
  }
  Text& operator<<(int64_t v) noexcept {
    char tmp[24];
    int n = 0;
    bool neg = v < 0;
    uint64_t u = neg ? 0u - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    do tmp[n++] = static_cast<char>('0' + u % 10); while ((u /= 10) != 0);
    if (neg) tmp[n++] = '-';
    while (n && p + 1 < end) *p++ = tmp[--n];
    *p = 0;
    return *this;
  }
};

Text reason_of(Service& s) noexcept { return Text{s.reason, s.reason + sizeof s.reason}; }

void set(Context& c, Service& s, const svkit::Step& st) { apply(c, s, st); }

int exit_signal(const Service& s) noexcept { return s.exit_code == -1 ? (s.exit_low & 0x7f) : 0; }

void warn_malformed(Service& s) {
  uint16_t fresh = static_cast<uint16_t>(s.policy.malformed & ~s.warned);
  s.warned = s.policy.malformed;  // a fixed file warns again once broken anew
  for (int i = 0; i < static_cast<int>(svkit::PolicyFile::count); ++i)
    if (fresh & (1u << i))
      svkit::warn({"ignoring malformed ", s.label,
                   svkit::policy_file_name(static_cast<svkit::PolicyFile>(i))});
}

const char* event_word(char ev) noexcept {
  return ev == 'f' ? "failed" : ev == 'u' ? "unready" : ev == 'w' ? "watchdog" : "crash";
}

// ./alert EVENT SERVICE EXITCODE SIGNAL, without waiting; output to supervise's stderr.
void run_alert(Context& c, Service& s, char ev, int code, int sig) {
  char name[256], codes[16], sigs[16];
  Text n{name, name + sizeof name};
  n << c.name << (s.sv.is_log ? "/log" : "");
  Text{codes, codes + sizeof codes} << static_cast<int64_t>(code);
  Text{sigs, sigs + sizeof sigs} << static_cast<int64_t>(sig);
  char path[] = "./alert";
  char word[16];
  Text{word, word + sizeof word} << event_word(ev);
  char* argv[] = {path, word, name, codes, sigs, nullptr};
  svkit::FdMove out{2, 1};
  svkit::SpawnSpec spec;
  spec.path = path;
  spec.argv = argv;
  spec.cwd = s.cwd;
  spec.moves = &out;
  spec.n_moves = 1;
  pid_t pid = svkit::spawn(spec);
  if (pid < 0) {
    svkit::warn_sys({"unable to run ", s.label, "alert"});
    return;
  }
  s.alert_pid = pid;
  s.alert_kill_at = now_ms() + kAlertMaxMs;
  s.alert_sids[s.alert_sid_next] = pid;
  s.alert_sid_next = static_cast<uint8_t>((s.alert_sid_next + 1) % 4);
}

// One ./alert at a time; what arrives meanwhile is coalesced into the next run.
void alert(Context& c, Service& s, char ev, int code, int sig) {
  if (!s.policy.alert) return;
  s.alert_code = code;
  s.alert_sig = sig;
  if (s.alert_pid) {
    s.alert_pending = ev;
    return;
  }
  run_alert(c, s, ev, code, sig);
}

void became_ready(Context& c, Service& s, int64_t now) {
  set(c, s, svkit::on_ready(s.sv));
  if (!s.sv.ready) return;
  s.ready_real_ms = real_ms();
  s.up_since_ms = now;
  s.ready_at = s.check_at = -1;
  s.notify.reset();
}

void start_check(Context& c, Service& s) {
  char path[] = "./check";
  char* argv[] = {path, nullptr};
  pid_t pid = spawn_in(c, s, argv);
  if (pid < 0) {  // gone or not executable any more: try again later
    s.check_every = s.check_every * 2 > kCheckMaxMs ? kCheckMaxMs : s.check_every * 2;
    s.check_at = now_ms() + s.check_every;
    return;
  }
  s.check_pid = pid;
}

void kill_group(pid_t pid) noexcept {
  if (pid > 0 && ::killpg(pid, SIGKILL) != 0) ::kill(pid, SIGKILL);
}

// The watchdog tripped: remember why, alert, stop the tree; run_ended restarts it.
void trip(Context& c, Service& s) {
  s.trip_real_ms = real_ms();
  memcpy(s.reason, s.trip_reason, sizeof s.reason);
  s.tripped = true;
  s.watch_at = -1;
  alert(c, s, 'w', 0, 0);
  set(c, s, svkit::on_watchdog(s.sv));
  s.publish_pending = true;
}

// The service's tree as service_tree() defines it, measured in one walk (the sampling
// path: one pread of each process's kept /proc/PID/stat and children list).
svkit::TreeUsage sample_usage(const Context& c, Service& s) {
  svkit::TreeUsage u;
  svkit::OneListing one;  // POSIX-only build: one ps per sample
  s.sampler.begin();
  if (&s == &c.log) {  // the logger: log/run and what it started
    s.sampler.add(u, s.sv.pid, true, {});
  } else {
    std::vector<pid_t> skip;  // the other side and supervise's own helpers
    if (c.has_log && c.log.sv.pid > 0) skip.push_back(c.log.sv.pid);
    for (const Service* h : {&c.main, &c.log}) {
      if (h->check_pid > 0) skip.push_back(h->check_pid);
      if (h->alert_pid > 0) skip.push_back(h->alert_pid);
    }
    alert_leftovers(c, skip);  // what an ended ./alert left running (mail &)
    s.sampler.add(u, c.self, false, skip);
    if (s.adopted && s.sv.pid > 0)  // a process taken over from a killed supervise
      s.sampler.add(u, s.sv.pid, true, {});
  }
  s.sampler.end();
  return u;
}

// One watchdog sample: the tree's resident memory and CPU time. A limit exceeded on two
// consecutive samples trips. CPU: the average since the newest mark at least SECONDS old
// (marks are kept every SECONDS/8, 16 of them), so a run younger than SECONDS is not judged.
void sample(Context& c, Service& s, int64_t now) {
  if (s.sv.state != svkit::RunState::run || s.sv.pid <= 0 || s.sv.got_term) return;
  svkit::TreeUsage u;
  try {
    u = sample_usage(c, s);
  } catch (...) {
    return;  // out of memory: no judgement this time
  }
  const svkit::Policy& p = s.policy;
  if (p.memory_limit) {
    s.mem_strikes = u.rss_bytes > p.memory_limit ? static_cast<uint8_t>(s.mem_strikes + 1) : 0;
    if (s.mem_strikes >= 2) {
      char used[24], limit[24];
      svkit::format_size(u.rss_bytes, used);
      svkit::format_size(p.memory_limit, limit);
      s.trip_reason[0] = 0;
      Text{s.trip_reason, s.trip_reason + sizeof s.trip_reason} << "memory " << used << " > " << limit;
      trip(c, s);
      return;
    }
  }
  if (!p.cpu_percent) return;
  int64_t window = static_cast<int64_t>(p.cpu_seconds) * 1000;
  const Service::CpuMark* base = nullptr;
  for (int i = 0; i < s.cpu_n; ++i) {  // newest first
    const Service::CpuMark& m =
        s.cpu_marks[(s.cpu_head + Service::kCpuMarks - 1 - i) % Service::kCpuMarks];
    if (now - m.ms >= window) {
      base = &m;
      break;
    }
  }
  int64_t pct = -1;
  if (base && now > base->ms) {
    double used = u.cpu_seconds - base->cpu;  // a process that ended takes its time along
    pct = used <= 0 ? 0 : static_cast<int64_t>(used * 100000.0 / static_cast<double>(now - base->ms));
  }
  const Service::CpuMark* last =
      s.cpu_n ? &s.cpu_marks[(s.cpu_head + Service::kCpuMarks - 1) % Service::kCpuMarks] : nullptr;
  if (!last || now - last->ms >= window / 8) {
    s.cpu_marks[s.cpu_head] = {now, u.cpu_seconds};
    s.cpu_head = static_cast<uint8_t>((s.cpu_head + 1) % Service::kCpuMarks);
    if (s.cpu_n < Service::kCpuMarks) ++s.cpu_n;
  }
  if (pct < 0) return;
  s.cpu_strikes = pct > static_cast<int64_t>(p.cpu_percent) ? static_cast<uint8_t>(s.cpu_strikes + 1) : 0;
  if (s.cpu_strikes >= 2) {
    s.trip_reason[0] = 0;
    Text{s.trip_reason, s.trip_reason + sizeof s.trip_reason}
        << "cpu " << pct << "% > " << static_cast<int64_t>(p.cpu_percent) << "% over "
        << static_cast<int64_t>(p.cpu_seconds) << " s";
    trip(c, s);
  }
}

}  // namespace

bool may_start(Context& c, Service& s, int64_t now) {
  if (s.leftover_at >= 0) {  // never a second copy beside the last run's survivors
    if (!service_tree(s).empty()) return false;
    s.leftover_at = -1;
  }
  int64_t wait_until = -1;
  if (s.restart_at >= 0 && now < s.restart_at) wait_until = s.restart_at;
  else if (s.policy.backoff_initial_ms == 0 && s.last_start_ms >= 0 && now < s.last_start_ms + 1000)
    wait_until = s.last_start_ms + 1000;  // runit's one start per second
  if (wait_until >= 0) {
    if (!s.sv.backoff) s.restart_real_ms = real_ms() + (wait_until - now);
    set(c, s, svkit::on_waiting(s.sv, false));
    set(c, s, svkit::on_backoff(s.sv, true));
    return false;
  }
  s.restart_at = -1;
  s.policy = svkit::read_policy(s.dir.get());
  if (s.policy.malformed != s.warned) warn_malformed(s);
  set(c, s, svkit::on_down_signal(s.sv, s.policy.down_signal));
  if (s.sv.backoff) set(c, s, svkit::on_backoff(s.sv, false));
  if ((s.policy.dependencies && !s.sv.is_log) || s.deps) {
    if (!dependencies_met(c, s)) return false;
  }
  return true;
}

void run_started(Context& c, Service& s, int notify_read, int64_t now) {
  ++s.starts;
  s.notify.reset(notify_read);
  s.reason[0] = 0;
  bool readiness = notify_read >= 0 || s.policy.check;
  set(c, s, svkit::on_readiness(s.sv, readiness));
  s.ready_real_ms = -1;
  s.kill_at = -1;
  s.up_since_ms = readiness ? -1 : now;
  s.ready_at = readiness && s.policy.timeout_ready_ms ? now + s.policy.timeout_ready_ms : -1;
  s.check_every = kCheckFirstMs;
  s.check_at = notify_read < 0 && s.policy.check ? now + kCheckFirstMs : -1;
  if (s.tripped) {  // restarted by the watchdog: the reason stays visible
    s.tripped = false;
    memcpy(s.reason, s.trip_reason, sizeof s.reason);
  }
  s.mem_strikes = s.cpu_strikes = 0;
  s.cpu_n = s.cpu_head = 0;
  s.watch_at = s.policy.watched() ? now + s.policy.watchdog_ms : -1;
}

void run_ended(Context& c, Service& s, int code, int low) {
  int64_t now = now_ms();
  bool unready = s.unready;
  s.unready = false;
  s.has_exit = true;
  s.notify.reset();
  s.ready_at = s.kill_at = s.check_at = -1;
  s.watch_at = -1;
  s.sampler.reset();
  kill_group(s.check_pid);  // a ./check of the ended run must not hold up the next run's
  int64_t ran = s.up_since_ms >= 0 ? now - s.up_since_ms : 0;
  s.up_since_ms = -1;
  if (s.sv.want != svkit::Goal::up) return;  // stopped on purpose: no restart to pace
  int sig = code == -1 ? (low & 0x7f) : 0;
  // The watchdog or timeout-ready stopped this run and alerted already: no crash as well.
  if (code != 0 && !s.tripped && !unready) alert(c, s, 'c', code, sig);
  if (s.policy.limit_count &&
      s.tally.add(static_cast<uint32_t>(now), s.policy.limit_count, s.policy.limit_ms)) {
    set(c, s, svkit::on_failed(s.sv));
    s.reason[0] = 0;
    reason_of(s) << static_cast<int64_t>(s.policy.limit_count) << " exits in "
                 << static_cast<int64_t>(s.policy.limit_ms / 1000) << " s";
    s.restart_at = -1;
    alert(c, s, 'f', code, sig);
    return;
  }
  uint32_t wait = svkit::next_backoff(s.policy, s.backoff_ms, ran);
  if (wait) {
    s.restart_at = now + wait;
    s.restart_real_ms = real_ms() + wait;
    set(c, s, svkit::on_backoff(s.sv, true));
  }
}

void finish_started(Service& s, int64_t now) {
  s.finish_kill_at = s.policy.timeout_finish_ms ? now + s.policy.timeout_finish_ms : -1;
}

void stop_signal_sent(Service& s, int64_t now) {
  if (s.policy.timeout_kill_ms && s.kill_at < 0) s.kill_at = now + s.policy.timeout_kill_ms;
}

void control_byte(Service& s, char byte) {
  if (byte == 'u' || byte == 'o') {  // up, restart, once: a fresh start, failed forgotten
    s.tally.clear();
    if (!s.sv.waiting) s.reason[0] = 0;
  }
  if (!s.sv.backoff) s.restart_at = -1;
  if (!s.sv.waiting) deps_idle(s);  // d while waiting: no more wake-ups from dependencies
}

void due(Context& c, Service& s, int64_t now) {
  if (s.kill_at >= 0 && now >= s.kill_at) {
    s.kill_at = -1;
    set(c, s, svkit::on_kill_timeout(s.sv));
  }
  if (s.finish_kill_at >= 0 && now >= s.finish_kill_at) {
    s.finish_kill_at = -1;
    set(c, s, svkit::on_kill_timeout(s.sv));
  }
  if (s.ready_at >= 0 && now >= s.ready_at) {
    s.ready_at = s.check_at = -1;
    if (s.sv.state == svkit::RunState::run && !s.sv.ready) {
      s.reason[0] = 0;
      reason_of(s) << "not ready in " << static_cast<int64_t>(s.policy.timeout_ready_ms) << " ms";
      alert(c, s, 'u', 0, 0);
      s.unready = true;
      set(c, s, svkit::on_ready_timeout(s.sv));
    }
  }
  if (s.check_at >= 0 && now >= s.check_at && s.check_pid == 0) {
    s.check_at = -1;
    start_check(c, s);
  }
  if (s.alert_kill_at >= 0 && now >= s.alert_kill_at) {
    s.alert_kill_at = -1;
    kill_group(s.alert_pid);
  }
  if (s.watch_at >= 0 && now >= s.watch_at) {
    s.watch_at = now + s.policy.watchdog_ms;
    sample(c, s, now);
  }
  if (s.leftover_at >= 0 && now >= s.leftover_at) {
    std::vector<pid_t> left = service_tree(s);
    if (left.empty()) {
      s.leftover_at = -1;
    } else {
      if (!s.leftover_killed) {
        s.leftover_killed = true;
        for (pid_t p : left) ::kill(p, SIGKILL);
      }
      s.leftover_at = now + kLeftoverLookMs;
    }
  }
}

void leftovers(Context&, Service& s, bool told) {
  std::vector<pid_t> left;
  try {
    for (pid_t p : service_tree(s))
      if (living(p)) left.push_back(p);  // zombies that ended with ./run are reaped next
  } catch (...) {
    return;
  }
  if (left.empty()) return;
  int64_t now = now_ms();
  s.leftover_killed = false;
  s.leftover_at = now + (s.policy.timeout_kill_ms ? s.policy.timeout_kill_ms : kLeftoverKillMs);
  if (told) return;  // a stop: they had the signal with the rest of the tree
  char pids[96];
  Text t{pids, pids + sizeof pids};
  size_t shown = 0;
  for (pid_t p : left) {
    if (shown == 8) {
      t << " ...";
      break;
    }
    t << (shown++ ? " " : "") << static_cast<int64_t>(p);
  }
  char n[16];
  Text{n, n + sizeof n} << static_cast<int64_t>(left.size());
  svkit::warn({s.label, "run ended, leaving ", n, " processes (", pids,
               "): stopping them before the next start"});
  for (pid_t p : left) {
    ::kill(p, s.policy.down_signal);
    ::kill(p, SIGCONT);
  }
}

int64_t next_deadline(const Service& s) {
  int64_t t = -1;
  auto take = [&t](int64_t d) {
    if (d >= 0 && (t < 0 || d < t)) t = d;
  };
  take(s.kill_at);
  take(s.finish_kill_at);
  take(s.ready_at);
  if (s.check_pid == 0) take(s.check_at);
  take(s.alert_kill_at);
  take(s.watch_at);
  take(s.leftover_at);
  if (svkit::needs_run(s.sv) && !s.sv.waiting && s.leftover_at < 0) {
    if (s.restart_at >= 0) take(s.restart_at);
    else if (s.policy.backoff_initial_ms == 0 && s.last_start_ms >= 0) take(s.last_start_ms + 1000);
    else take(0);  // may start now
  }
  return t;
}

void read_notify(Context& c, Service& s) {
  char buf[64];
  ssize_t n = ::read(s.notify.get(), buf, sizeof buf);
  if (n > 0) {
    if (memchr(buf, '\n', static_cast<size_t>(n))) became_ready(c, s, now_ms());
    return;
  }
  if (n == 0 || (errno != EINTR && errno != EAGAIN)) s.notify.reset();  // never ready
}

bool policy_reaped(Context& c, Service& s, pid_t pid, int w) {
  if (pid <= 0) return false;
  if (pid == s.check_pid) {
    s.check_pid = 0;
    if (s.sv.state != svkit::RunState::run || s.sv.ready || !s.sv.has_readiness) return true;
    if (WIFEXITED(w) && WEXITSTATUS(w) == 0) {
      became_ready(c, s, now_ms());
    } else {
      s.check_every = s.check_every * 2 > kCheckMaxMs ? kCheckMaxMs : s.check_every * 2;
      s.check_at = now_ms() + s.check_every;
    }
    return true;
  }
  if (pid == s.alert_pid) {
    s.alert_pid = 0;
    s.alert_kill_at = -1;
    if (char ev = s.alert_pending) {
      s.alert_pending = 0;
      run_alert(c, s, ev, s.alert_code, s.alert_sig);
    }
    return true;
  }
  return false;
}

void policy_leave(Service& s) {
  kill_group(s.check_pid);
  kill_group(s.alert_pid);
}

void fill_ext_status(const Service& s, svkit::ExtStatus& e) {
  e.phase = svkit::phase_of(s.sv);
  static char backoff_reason[48];  // written just after this call (files.cpp)
  e.ready = !s.policy.has_readiness() ? -1 : s.sv.ready ? 1 : 0;
  e.ready_since_ms = s.sv.ready ? s.ready_real_ms : -1;
  e.restarts = s.starts ? s.starts - 1 : 0;
  e.has_exit = s.has_exit;
  e.exit_code = s.exit_code;
  e.exit_signal = exit_signal(s);
  const char* dr = deps_reason(s);
  e.reason = dr ? dr : s.reason;
  if (!e.reason[0] && e.phase == svkit::Phase::backoff) {  // why it waits: the last exit
    Text t{backoff_reason, backoff_reason + sizeof backoff_reason};
    backoff_reason[0] = 0;
    if (s.has_exit) {
      if (s.exit_code == -1) t << "signal " << static_cast<int64_t>(exit_signal(s)) << ", ";
      else t << "exit " << static_cast<int64_t>(s.exit_code) << ", ";
    }
    t << (s.policy.backoff_initial_ms ? "restart-backoff" : "one start per second");
    e.reason = backoff_reason;
  }
  e.waiting_for = deps_waiting_for(s);
  e.backoff_until_ms = s.sv.backoff ? s.restart_real_ms : -1;
  e.pid = s.sv.pid;
  e.pid_start = s.sv.pid ? s.pid_start : 0;
  e.supervisor = ::getpid();
  e.memory_limit = s.policy.memory_limit;
  e.cpu_percent = s.policy.cpu_percent;
  e.cpu_seconds = s.policy.cpu_seconds;
  e.watchdog_ms = s.policy.watchdog_ms;
  e.trip_ms = s.trip_real_ms;
  e.trip_reason = s.trip_reason;
}

}  // namespace supervise
