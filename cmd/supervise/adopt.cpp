// SPDX-License-Identifier: MIT
// adopt: after a supervise was killed, its service keeps running (svscan, a subreaper,
// inherits it). The next supervise takes that process over instead of starting a second
// instance: never a duplicate. Linux: a pidfd pins and watches the process, its identity
// is /proc/PID/stat's start time + the boot id. POSIX-only build: the identity is
// svkit::start_time_of (proc_pidinfo on macOS; `ps` elsewhere, whole seconds compared
// within 2 s, no boot id), and the adopted process is looked at every kAliveCheckMs
// (poll_due).
#include "service.hpp"
#include "svkit/platform.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if SVKIT_LINUX
#include <sys/syscall.h>
#endif

#include <string_view>

#include "svkit/diag.hpp"
#include "svkit/digits.hpp"
#include "svkit/paths.hpp"
#include "svkit/policy.hpp"
#include "svkit/process_start.hpp"
#include "svkit/status_file.hpp"

#if SVKIT_LINUX && !defined(SYS_pidfd_open)
#define SYS_pidfd_open 434
#endif

namespace supervise {
namespace {

#if SVKIT_LINUX
void proc_path(char* out, long pid, const char* tail) noexcept {
  memcpy(out, "/proc/", 6);
  size_t len = 6 + svkit::format_int(out + 6, pid);
  strcpy(out + len, tail);
}
#else
constexpr int64_t kAliveCheckMs = 1000;  // an adopted process is not our child: no SIGCHLD
#endif

// Reads at most CAP-1 bytes of a small file (at DIRFD, or absolute), NUL-terminated.
ssize_t read_small(int dirfd, const char* name, char* buf, size_t cap) noexcept {
  svkit::UniqueFd fd(::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return -1;
  ssize_t n;
  do n = ::read(fd.get(), buf, cap - 1); while (n < 0 && errno == EINTR);
  buf[n > 0 ? n : 0] = 0;
  return n;
}

// Parses an unsigned decimal at P (advancing it); false when there is none.
bool take_number(const char*& p, unsigned long long& v) noexcept {
  if (*p < '0' || *p > '9') return false;
  v = 0;
  for (; *p >= '0' && *p <= '9'; ++p) {
    if (v > 1000000000000000000ull) return false;
    v = v * 10 + static_cast<unsigned>(*p - '0');
  }
  return true;
}

// This boot's id (36 characters), "" when the kernel has none (always, in a POSIX-only
// build: its start times are wall-clock times, which a reboot does not repeat). Read once.
const char* boot_id() noexcept {
  static char id[40];
#if SVKIT_LINUX
  static bool done = false;
  if (!done) {
    ssize_t n = read_small(AT_FDCWD, "/proc/sys/kernel/random/boot_id", id, sizeof id);
    if (n < 36) n = 0;
    id[n > 36 ? 36 : n] = 0;
    done = true;
  }
#endif
  return id;
}

// The record's fixed layout: PID (10 digits) STARTTIME (20 digits) BOOTID (36 characters,
// space-padded when shorter), newline. A fixed size lets supervise rewrite it in place.
constexpr size_t kPidDigits = 10, kStartDigits = 20, kBootIdWidth = 36;
constexpr size_t kStartRecord = kPidDigits + 1 + kStartDigits + 1 + kBootIdWidth + 1;

void put_padded(char* out, unsigned long long v, size_t width) noexcept {
  for (size_t i = width; i-- > 0; v /= 10) out[i] = static_cast<char>('0' + v % 10);
}

// supervise/svkit-start opened for writing in place: a regular file with one link, made
// by us (O_NOFOLLOW; anything else there is removed first), mode 0644, KSTARTRECORD long.
bool open_start_file(Service& s) noexcept {
  const int flags = O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
  svkit::UniqueFd fd(::openat(s.dir.get(), svkit::kStartFile, flags, 0644));
  struct stat st;
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
    fd.reset();
    ::unlinkat(s.dir.get(), svkit::kStartFile, 0);
    fd.reset(::openat(s.dir.get(), svkit::kStartFile, flags | O_EXCL, 0644));
    if (!fd || ::fstat(fd.get(), &st) != 0) return false;
  }
  if (::fchmod(fd.get(), 0644) != 0) return false;
  if (st.st_size != static_cast<off_t>(kStartRecord) &&
      ::ftruncate(fd.get(), static_cast<off_t>(kStartRecord)) != 0)
    return false;
  s.start_file = std::move(fd);
  return true;
}

}  // namespace

#if SVKIT_LINUX

// Field 22 of /proc/PID/stat: the kernel's start time of PID (clock ticks since boot),
// which nothing the process does can change. The fields are counted after the last ')'
// (the command name may hold spaces and parentheses). 0 when unknown.
unsigned long long start_time_of(pid_t pid) noexcept {
  char path[48], buf[1024];
  proc_path(path, pid, "/stat");
  if (read_small(AT_FDCWD, path, buf, sizeof buf) <= 0) return 0;
  const char* p = strrchr(buf, ')');
  if (!p) return 0;
  ++p;
  for (int field = 2; field < 22; ++p) {  // p is past field 2 (the name): skip 3..21
    if (*p == 0) return 0;
    if (*p == ' ') ++field;
  }
  unsigned long long t = 0;
  return take_number(p, t) ? t : 0;
}
static unsigned long long started_now(pid_t pid) noexcept { return start_time_of(pid); }
static bool same_start(unsigned long long a, unsigned long long b) noexcept { return a != 0 && a == b; }
#else
// svkit::start_time_of is `ps` here (proc_pidinfo on macOS): too slow for the path that
// starts ./run, where a supervise killed before the record is written would leave a
// service that is not adopted. The record takes the clock instead (child_start_time),
// and comparisons allow svkit::kStartSlack seconds (svkit/process_start.hpp).
unsigned long long start_time_of(pid_t pid) noexcept { return svkit::start_time_of(pid); }
// False when ps could not answer this time: neither "same" nor "gone".
static bool lookup_start(pid_t pid, unsigned long long& start) noexcept {
  uint64_t v = 0;
  bool known = svkit::portable_start_lookup(pid, v);
  start = v;
  return known;
}
static unsigned long long started_now(pid_t pid) noexcept { return svkit::child_start_time(pid); }
static bool same_start(unsigned long long a, unsigned long long b) noexcept { return svkit::same_start(a, b); }
#endif

// Records the process just started as this service's: "PID STARTTIME BOOTID\n" in a
// fixed layout, written in place with one pwrite (no rename: on ext4 a rename over a file
// costs a flush, and this record is on the path of every start). A supervise killed
// mid-write leaves either record (a write this small lands whole); the next supervise
// reads it only after this one is gone (it holds supervise/lock). Adoption trusts this
// record only.
uint64_t record_start(Service& s, pid_t pid) noexcept {
  unsigned long long start = started_now(pid);
  char text[kStartRecord];
  put_padded(text, static_cast<unsigned long long>(pid), kPidDigits);
  text[kPidDigits] = ' ';
  put_padded(text + kPidDigits + 1, start, kStartDigits);
  text[kPidDigits + 1 + kStartDigits] = ' ';
  char* id = text + kPidDigits + 1 + kStartDigits + 1;
  memset(id, ' ', kBootIdWidth);
  const char* boot = boot_id();
  memcpy(id, boot, strlen(boot));
  text[kStartRecord - 1] = '\n';
  bool ok = (s.start_file || open_start_file(s)) &&
            ::pwrite(s.start_file.get(), text, sizeof text, 0) == static_cast<ssize_t>(sizeof text);
  if (!ok) {
    svkit::warn_sys({"unable to write ", s.label, svkit::kStartFile});
    s.start_file.reset();  // reopened (and repaired) at the next start
  }
  return start;
}

namespace {

// The process a previous supervise recorded in supervise/svkit-start, if it is still the
// same process: same pid, same kernel start time, same boot. The working directory, the
// session, the process group and the name are the service's to change; these are not.
// On Linux the caller holds a pidfd on PID, so the pid cannot be reused while it looks.
pid_t recorded_pid(const Service& s) noexcept {
  char buf[128];
  if (read_small(s.dir.get(), svkit::kStartFile, buf, sizeof buf) <= 0) return 0;
  const char* p = buf;
  unsigned long long pid = 0, t = 0;
  if (!take_number(p, pid) || *p++ != ' ' || !take_number(p, t) || *p++ != ' ') return 0;
  if (pid <= 1 || pid > 0x3fffffff || t == 0) return 0;
  const char* nl = strchr(p, '\n');
  if (!nl) return 0;
  while (nl > p && nl[-1] == ' ') --nl;  // the fixed layout pads the boot id
  const char* id = boot_id();
  if (static_cast<size_t>(nl - p) != strlen(id) || memcmp(p, id, strlen(id)) != 0) return 0;
  return static_cast<pid_t>(pid);
}

// The older record (policy helper): pid_start in svkit-status, checked against the pid
// file. Used when svkit-start is missing. Without either record nothing is adopted.
pid_t status_recorded_pid(const Service& s) noexcept {
  char text[svkit::kExtStatusMax];
  svkit::UniqueFd fd(::openat(s.dir.get(), svkit::kExtStatusFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  ssize_t n = fd ? ::read(fd.get(), text, sizeof text) : -1;
  pid_t recorded = 0;
  uint64_t ticks = 0;
  if (n <= 0 || !svkit::parse_pid_start(std::string_view(text, static_cast<size_t>(n)), recorded, ticks))
    return 0;
  char buf[24];
  const char* p = buf;
  unsigned long long pid = 0;
  if (read_small(s.dir.get(), svkit::kPidFile, buf, sizeof buf) <= 0 || !take_number(p, pid) ||
      static_cast<pid_t>(pid) != recorded)
    return 0;
  return recorded;
}

// The start time the record gives for PID (0: none).
unsigned long long recorded_start(const Service& s, pid_t pid, bool from_start_file) noexcept {
  if (from_start_file) {
    char buf[128];
    const char* p = buf;
    unsigned long long rec_pid = 0, rec_time = 0;
    if (read_small(s.dir.get(), svkit::kStartFile, buf, sizeof buf) <= 0 ||
        !take_number(p, rec_pid) || *p++ != ' ' || !take_number(p, rec_time) ||
        rec_pid != static_cast<unsigned long long>(pid))
      return 0;
    return rec_time;
  }
  char text[svkit::kExtStatusMax];
  svkit::UniqueFd fd(::openat(s.dir.get(), svkit::kExtStatusFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  ssize_t n = fd ? ::read(fd.get(), text, sizeof text) : -1;
  pid_t recorded = 0;
  uint64_t ticks = 0;
  if (n <= 0 || !svkit::parse_pid_start(std::string_view(text, static_cast<size_t>(n)), recorded, ticks) ||
      recorded != pid)
    return 0;
  return ticks;
}

}  // namespace

void adopt(Service& s) {
  bool from_start_file = true;
  pid_t pid = recorded_pid(s);
  if (pid <= 0) {
    from_start_file = false;
    pid = status_recorded_pid(s);
  }
  if (pid <= 1 || pid == ::getpid()) return;
#if SVKIT_LINUX
  // Open the pidfd first: it pins the process, so the start time read next cannot be
  // a later process's that reused the pid.
  svkit::UniqueFd pfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pfd) return;
#else
  if (::kill(pid, 0) != 0 && errno == ESRCH) return;  // gone: no ps needed
#endif
#if SVKIT_LINUX
  unsigned long long start = start_time_of(pid);
#else
  // 0 for a zombie. A ps that cannot answer is asked again (3 tries, each bounded at 5 s)
  // before the service is given up as not adoptable.
  unsigned long long start = 0;
  for (int tries = 0; tries < 3 && !lookup_start(pid, start); ++tries) start = 0;
#endif
  if (!same_start(start, recorded_start(s, pid, from_start_file))) return;
#if SVKIT_LINUX
  struct pollfd pw = {pfd.get(), POLLIN, 0};
  if (::poll(&pw, 1, 0) != 0) return;  // already gone
  s.pidfd = std::move(pfd);
#else
  s.alive_check_at = now_ms() + kAliveCheckMs;
#endif
  s.adopted = true;
  s.pid_start = start;
  unsigned char raw[svkit::kStatusSize + 1];
  svkit::UniqueFd st(::openat(s.dir.get(), svkit::kStatusFile, O_RDONLY | O_CLOEXEC));
  ssize_t n = st ? ::read(st.get(), raw, sizeof raw) : -1;
  auto old = n > 0 ? svkit::unpack_status(raw, static_cast<size_t>(n)) : std::nullopt;
  if (old && old->pid == pid) s.when = old->when;
  svkit::Step step = svkit::on_adopted(s.sv, pid, old ? &*old : nullptr);
  s.sv = step.next;  // its only action, publish, is setup's next step anyway
  s.policy = svkit::read_policy(s.dir.get());  // down-signal, timeout-kill for the adoptee
  s.sv = svkit::on_down_signal(s.sv, s.policy.down_signal).next;
  s.starts = 1;
}

int64_t poll_deadline(const Service& s, int64_t now) {
  int64_t d = deps_deadline(s, now);
#if !SVKIT_LINUX
  if (s.adopted && s.alive_check_at >= 0 && (d < 0 || s.alive_check_at < d)) d = s.alive_check_at;
#endif
  return d;
}

void poll_due(Context& c, Service& s, int64_t now) {
#if SVKIT_LINUX
  (void)c, (void)s, (void)now;
#else
  if (!s.adopted || s.alive_check_at < 0 || now < s.alive_check_at) return;
  pid_t pid = s.sv.pid;
  // Gone, a zombie (its parent, not us, reaps it), or the pid reused by another process.
  // A ps that could not answer says nothing: asked again at the next check, never taken
  // for "gone" (that would start a second copy beside the living one).
  unsigned long long start = 0;
  bool gone = pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH) ||
              (lookup_start(pid, start) && !same_start(start, s.pid_start));
  if (gone) {
    s.alive_check_at = -1;
    child_gone(c, s, -1, 0);  // status unknown, as with a pidfd
  } else {
    s.alive_check_at = now_ms() + kAliveCheckMs;
  }
#endif
}

}  // namespace supervise
