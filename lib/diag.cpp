// SPDX-License-Identifier: MIT
// diag: one-line messages assembled in a stack buffer and written with one write(2).
#include "svkit/diag.hpp"

#include <errno.h>
#include <string.h>
#include <unistd.h>

namespace svkit {
namespace {
const char* g_prog = "svkit";

struct Line {
  char buf[1024];
  size_t len = 0;
  void add(std::string_view s) noexcept {
    size_t n = s.size() < sizeof buf - 1 - len ? s.size() : sizeof buf - 1 - len;
    if (n) memcpy(buf + len, s.data(), n);  // an empty view's data() may be null
    len += n;
  }
  void add(Parts parts) noexcept {
    for (auto p : parts) add(p);
  }
  void emit() noexcept {
    buf[len++] = '\n';
    write_all(STDERR_FILENO, std::string_view(buf, len));
  }
};

void compose(const char* kind, Parts parts, const char* err) noexcept {
  Line l;
  l.add(g_prog);
  l.add(": ");
  l.add(kind);
  l.add(parts);
  if (err) {
    l.add(": ");
    l.add(err);
  }
  l.emit();
}
}  // namespace

void set_prog(const char* name) noexcept { g_prog = name; }
const char* prog() noexcept { return g_prog; }

const char* error_str(int e) noexcept {
  switch (e) {
    case 0: return "no error";
    case ENOENT: return "file does not exist";
    case EACCES: return "access denied";
    case EPERM: return "permission denied";
    case ENOTDIR: return "not a directory";
    case EISDIR: return "is a directory";
    case ENXIO: return "device not configured";
    case EAGAIN: return "temporary failure";
    case ELOOP: return "symbolic link loop";
    case EINTR: return "interrupted system call";
    case ENOMEM: return "out of memory";
    case ENOSPC: return "out of disk space";
    case EEXIST: return "file already exists";
    case EINVAL: return "invalid argument";
    case EBADF: return "file descriptor not open";
    case ENAMETOOLONG: return "file name too long";
    case ETXTBSY: return "text busy";
    case EIO: return "input/output error";
    case EPIPE: return "broken pipe";
    case EMFILE: return "process cannot open more files";
    case ENFILE: return "system cannot open more files";
    case EROFS: return "read-only file system";
    case EDQUOT: return "disk quota exceeded";
    case ESRCH: return "no such process";
    case ECHILD: return "no child processes";
    case E2BIG: return "argument list too long";
    case ENOEXEC: return "exec format error";
    case EBUSY: return "device busy";
    case EXDEV: return "cross-device link";
    case ENOTEMPTY: return "directory not empty";
    case EFAULT: return "bad address";
    case ECONNREFUSED: return "connection refused";
    case ETIMEDOUT: return "timed out";
    default: return "unknown error";
  }
}

void say(Parts parts) noexcept { compose("", parts, nullptr); }

void die_usage(std::string_view usage) noexcept {
  compose("usage: ", {usage}, nullptr);
  _exit(kExitUsage);
}

void die(int code, Parts parts) noexcept {
  compose("fatal: ", parts, nullptr);
  _exit(code);
}

void die_sys(int code, Parts parts) noexcept {
  int e = errno;
  compose("fatal: ", parts, error_str(e));
  _exit(code);
}

void warn(Parts parts) noexcept { compose("warning: ", parts, nullptr); }

void warn_sys(Parts parts) noexcept {
  int e = errno;
  compose("warning: ", parts, error_str(e));
  errno = e;
}

bool write_all(int fd, std::string_view text) noexcept {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace svkit
