// SPDX-License-Identifier: MIT
// access: ./control-group (one group name or number) opens a service's control FIFO and
// status to that group. Applied once, when supervise starts. No heap: the group is looked
// up in /etc/group by hand (supervise is static; NSS is not available to it).
#include "access.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service.hpp"
#include "svkit/diag.hpp"

namespace supervise {

namespace {

// Group NAME's gid from /etc/group; a decimal NAME is taken as the gid itself.
bool find_gid(const char* name, gid_t* gid) noexcept {
  char* end = nullptr;
  unsigned long n = strtoul(name, &end, 10);
  if (*name && end && !*end) {
    *gid = static_cast<gid_t>(n);
    return true;
  }
  int fd = ::open("/etc/group", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];
  size_t have = 0, len = strlen(name);
  bool found = false;
  for (;;) {
    ssize_t r = ::read(fd, buf + have, sizeof buf - 1 - have);
    if (r <= 0) break;
    have += static_cast<size_t>(r);
    buf[have] = 0;
    char* line = buf;
    for (char* nl; (nl = strchr(line, '\n')) != nullptr; line = nl + 1) {
      *nl = 0;
      // name:password:gid:members
      char* c1 = strchr(line, ':');
      char* c2 = c1 ? strchr(c1 + 1, ':') : nullptr;
      if (c2 && static_cast<size_t>(c1 - line) == len && strncmp(line, name, len) == 0) {
        *gid = static_cast<gid_t>(strtoul(c2 + 1, nullptr, 10));
        found = true;
        break;
      }
    }
    if (found) break;
    have = static_cast<size_t>(buf + have - line);
    if (have == sizeof buf - 1) have = 0;  // an over-long line: skip it
    memmove(buf, line, have);
  }
  ::close(fd);
  return found;
}

void open_to(const char* dir, const char* control, const char* ok, gid_t gid) noexcept {
  if (::chown(dir, static_cast<uid_t>(-1), gid) != 0 || ::chmod(dir, 0750) != 0)
    svkit::warn_sys({"control-group: unable to open ", dir, " to its group"});
  for (const char* f : {control, ok})
    if (::chown(f, static_cast<uid_t>(-1), gid) != 0 || ::chmod(f, 0620) != 0)
      svkit::warn_sys({"control-group: unable to open ", f, " to its group"});
}

}  // namespace

void apply_control_group(const Context& c) noexcept {
  int fd = ::open("control-group", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char name[65];
  ssize_t n = ::read(fd, name, sizeof name - 1);
  ::close(fd);
  if (n < 0) n = 0;
  name[n] = 0;
  name[strcspn(name, "\n\r \t")] = 0;
  if (!name[0]) return;
  gid_t gid;
  if (!find_gid(name, &gid)) {
    svkit::warn({"control-group: unknown group ", name});
    return;
  }
  open_to("supervise", "supervise/control", "supervise/ok", gid);
  if (c.has_log) open_to("log/supervise", "log/supervise/control", "log/supervise/ok", gid);
}

}  // namespace supervise
