// SPDX-License-Identifier: MIT
// log_pipe: the pipe from ./run's stdout to log/run's stdin. Either our own, or the one
// svscan hands over in SVKIT_LOGPIPE="R,W" so that it survives a restart of supervise.
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "service.hpp"
#include "svkit/diag.hpp"
#include "svkit/paths.hpp"

extern char** environ;

namespace supervise {

// Removes NAME from the environment in place (unsetenv would link setenv and malloc).
void drop_env(const char* name) noexcept {
  size_t len = strlen(name);
  char** out = environ;
  for (char** e = environ; *e; ++e)
    if (!(strncmp(*e, name, len) == 0 && (*e)[len] == '=')) *out++ = *e;
  *out = nullptr;
}

const char* take_env(const char* name) noexcept {
  const char* v = ::getenv(name);  // the string itself stays valid: only environ changes
  if (v) drop_env(name);
  return v && *v ? v : nullptr;
}

const char* service_name(const char* dir) noexcept {
  static char name[256];
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/') --len;
  size_t start = len;
  while (start > 0 && dir[start - 1] != '/') --start;
  size_t n = len - start < sizeof name - 1 ? len - start : sizeof name - 1;
  memcpy(name, dir + start, n);
  name[n] = 0;
  return name;
}

namespace {

bool parse_fd(const char*& p, int& fd) noexcept {
  long v = 0;
  const char* start = p;
  while (*p >= '0' && *p <= '9' && v < 100000) v = v * 10 + (*p++ - '0');
  fd = static_cast<int>(v);
  return p != start && v < 100000;
}

// An inherited pipe end: a FIFO, open in the right direction, never one of 0-2.
bool valid_end(int fd, int forbidden_mode) noexcept {
  struct stat st;
  if (fd <= 2 || ::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return false;
  int fl = ::fcntl(fd, F_GETFL);
  return fl >= 0 && (fl & O_ACCMODE) != forbidden_mode;
}

// Returns true and fills R/W when SVKIT_LOGPIPE names a usable pipe.
bool take_handover(int& r, int& w) noexcept {
  const char* env = ::getenv(svkit::kLogPipeEnv);
  if (!env) return false;
  const char* p = env;
  bool ok = parse_fd(p, r) && *p++ == ',' && parse_fd(p, w) && *p == 0 && r != w;
  // Whatever happens, the services must not inherit these fds nor see the variable.
  if (ok && r > 2) svkit::set_cloexec(r);
  if (ok && w > 2) svkit::set_cloexec(w);
  ok = ok && valid_end(r, O_WRONLY) && valid_end(w, O_RDONLY);
  if (!ok) svkit::warn({"ignoring invalid ", svkit::kLogPipeEnv, "=", env});
  drop_env(svkit::kLogPipeEnv);
  return ok;
}

}  // namespace

void open_log_pipe(Context& c) {
  int r = -1, w = -1;
  if (take_handover(r, w)) {
    if (c.has_log) {
      c.pipe_read.reset(r);
      c.pipe_write.reset(w);
      c.pipe_handed_over = true;
      return;
    }
    ::close(r);  // no log service: svscan keeps its own copies
    ::close(w);
  }
  if (!c.has_log) return;
  svkit::Pipe p;
  if (!svkit::make_pipe(p)) svkit::die_sys(svkit::kExitTemporary, {"unable to create log pipe"});
  c.pipe_read = std::move(p.read);
  c.pipe_write = std::move(p.write);
}

}  // namespace supervise
