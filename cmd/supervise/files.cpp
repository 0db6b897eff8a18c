// SPDX-License-Identifier: MIT
// files: the supervise/ directory of one service, exactly as runsv keeps it
// (PROTOCOL.md 1): lock, control and ok FIFOs, and the status/stat/pid triple.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "service.hpp"
#include "svkit/diag.hpp"
#include "svkit/digits.hpp"
#include "svkit/fifo.hpp"
#include "svkit/paths.hpp"
#include "svkit/status_file.hpp"

namespace supervise {
namespace {

using svkit::kExitTemporary;

bool write_or_warn(Service& s, const char* name, const char* name_new, const void* data,
                   size_t len) noexcept {
  if (svkit::replace_file(s.dir.get(), name, name_new, data, len)) return true;
  svkit::warn_sys({"unable to write ", s.label, name});
  return false;
}

}  // namespace

void make_supervise_dir(Service& s) {
  if (::mkdirat(s.dir.get(), svkit::kSuperviseDir, 0700) == 0) {
    ::fchmodat(s.dir.get(), svkit::kSuperviseDir, 0700, 0);  // whatever the umask
    return;
  }
  // A symlink whose target is gone (a wiped tmpfs): create the target, as runsv does.
  char target[256];
  ssize_t n = ::readlinkat(s.dir.get(), svkit::kSuperviseDir, target, sizeof target);
  if (n < 0) {
    if (errno == ENOENT || errno == EINVAL) return;
    svkit::die_sys(kExitTemporary, {"unable to readlink ./", s.label, "supervise"});
  }
  if (static_cast<size_t>(n) == sizeof target)
    svkit::die(kExitTemporary, {"unable to readlink ./", s.label, "supervise: name too long"});
  target[n] = 0;
  ::mkdirat(s.dir.get(), target, 0700);  // relative targets resolve from the service dir
}

void lock_service(Service& s) {
  s.lock.reset(::openat(s.dir.get(), svkit::kLockFile,
                        O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!s.lock) svkit::die_sys(kExitTemporary, {"unable to open ", s.label, svkit::kLockFile});
  if (::flock(s.lock.get(), LOCK_EX | LOCK_NB) != 0)
    svkit::die_sys(kExitTemporary, {"unable to lock ", s.label, svkit::kLockFile});
}

void open_control(Service& s) {
  if (!svkit::make_fifo(s.dir.get(), svkit::kControlFifo)) {
    if (errno == EEXIST)
      svkit::die(kExitTemporary, {s.label, "supervise/control exists but is not a fifo"});
    svkit::die_sys(kExitTemporary, {"unable to create ", s.label, svkit::kControlFifo});
  }
  s.control = svkit::open_fifo_reader(s.dir.get(), svkit::kControlFifo);
  if (!s.control) svkit::die_sys(kExitTemporary, {"unable to open ", s.label, svkit::kControlFifo});
  // Keep a writer open on our own FIFO: otherwise, after the first client closes it,
  // poll() reports end-of-file forever and the loop spins.
  s.control_keep.reset(
      ::openat(s.dir.get(), svkit::kControlFifo, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
  if (!s.control_keep)
    svkit::die_sys(kExitTemporary, {"unable to open ", s.label, svkit::kControlFifo});
}

void open_ok(Service& s) {
  if (!svkit::make_fifo(s.dir.get(), svkit::kOkFifo))
    svkit::die_sys(kExitTemporary, {"unable to create ", s.label, svkit::kOkFifo});
  s.ok = svkit::open_fifo_reader(s.dir.get(), svkit::kOkFifo);
  if (!s.ok) svkit::die_sys(kExitTemporary, {"unable to read ", s.label, svkit::kOkFifo});
}

// pid -> status -> svkit-status -> stat. pid must precede status (a client that saw the
// status finds its pid); svkit-status follows status at once, as a client waiting for
// "up" (sv -w up) reads it for readiness; stat, which nothing waits on, comes last.
bool publish(Service& s) {
  if (s.sv.pid != s.written_pid) {
    char text[24];
    size_t n = s.sv.pid ? svkit::format_uint(text, static_cast<unsigned long>(s.sv.pid)) : 0;
    if (n) text[n++] = '\n';
    if (svkit::replace_file(s.dir.get(), svkit::kPidFile, svkit::kPidNew, text, n))
      s.written_pid = s.sv.pid;
    else
      svkit::warn_sys({"unable to write ", s.label, svkit::kPidFile});
  }
  svkit::Status status = svkit::to_status(s.sv, s.when);
  unsigned char record[svkit::kStatusSize];
  svkit::pack_status(status, record);
  // A command that changes nothing (u while up, a flood of them) rewrites nothing: the
  // record holds every field stat is made from, so both are skipped when it is unchanged.
  if (s.status_written && memcmp(record, s.written_status, sizeof record) == 0) {
    write_ext_status(s);
    return s.written_pid == s.sv.pid;
  }
  s.status_written = false;
  bool ok = write_or_warn(s, svkit::kStatusFile, svkit::kStatusNew, record, sizeof record);
  write_ext_status(s);
  char line[svkit::kStatLineMax];  // publishing never allocates
  ok = write_or_warn(s, svkit::kStatFile, svkit::kStatNew, line, svkit::format_stat(status, line)) && ok;
  if (ok) {
    memcpy(s.written_status, record, sizeof record);
    s.status_written = true;
  }
  return ok && s.written_pid == s.sv.pid;
}

// supervise/svkit-status (WAVE2 interface 1): after status, only when the text changed.
void write_ext_status(Service& s) {
  svkit::ExtStatus e;
  fill_ext_status(s, e);
  char text[svkit::kExtStatusMax];
  size_t n = svkit::format_ext_status(e, text);
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(text[i])) * 1099511628211ull;
  if (h == s.ext_hash) return;
  if (svkit::replace_file(s.dir.get(), svkit::kExtStatusFile, svkit::kExtStatusNew, text, n))
    s.ext_hash = h;
  else
    svkit::warn_sys({"unable to write ", s.label, svkit::kExtStatusFile});
}

void flush(Service& s) {
  if (s.publish_pending) {
    s.publish_pending = !publish(s);  // a failed write (disk full, read-only) is retried
  } else {
    write_ext_status(s);
  }
}

}  // namespace supervise
