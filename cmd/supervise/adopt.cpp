// SPDX-License-Identifier: MIT
// adopt: after a supervise was killed, its service keeps running (svscan, a subreaper,
// inherits it). The next supervise takes that process over instead of starting a second
// instance: never a duplicate. Linux only (pidfd, /proc); elsewhere a no-op.
#include "service.hpp"

#ifdef __linux__
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "svkit/digits.hpp"
#include "svkit/paths.hpp"
#include "svkit/status_file.hpp"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace supervise {
namespace {

pid_t read_pid_file(const Service& s) noexcept {
  svkit::UniqueFd fd(::openat(s.dir.get(), svkit::kPidFile, O_RDONLY | O_CLOEXEC));
  if (!fd) return 0;
  char buf[24];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  long pid = 0;
  ssize_t i = 0;
  for (; i < n && buf[i] >= '0' && buf[i] <= '9' && pid < 100000000; ++i)
    pid = pid * 10 + (buf[i] - '0');
  if (i == 0 || i >= n || buf[i] != '\n') return 0;
  return static_cast<pid_t>(pid);
}

void proc_path(char* out, long pid, const char* tail) noexcept {
  memcpy(out, "/proc/", 6);
  size_t len = 6 + svkit::format_int(out + 6, pid);
  strcpy(out + len, tail);
}

// Is PID the session leader whose cwd is this service directory? (Compared by device
// and inode: no path buffers on the stack of a process that runs hundreds of times.)
bool ours(const Service& s, pid_t pid) noexcept {
  if (::getsid(pid) != pid) return false;
  char path[48];
  proc_path(path, pid, "/cwd");
  struct stat theirs, mine;
  return ::stat(path, &theirs) == 0 && ::fstat(s.dir.get(), &mine) == 0 &&
         theirs.st_dev == mine.st_dev && theirs.st_ino == mine.st_ino;
}

}  // namespace

void adopt(Service& s) {
  pid_t pid = read_pid_file(s);
  if (pid <= 1 || pid == ::getpid()) return;
  // Open the pidfd first: it pins the process, so the checks below cannot be fooled by
  // the pid being reused in between.
  svkit::UniqueFd pfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pfd || !ours(s, pid)) return;
  struct pollfd p = {pfd.get(), POLLIN, 0};
  if (::poll(&p, 1, 0) != 0) return;  // already gone
  s.adopted = true;
  s.pidfd = std::move(pfd);
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

}  // namespace supervise

#else
namespace supervise {
void adopt(Service&) {}
}  // namespace supervise
#endif
