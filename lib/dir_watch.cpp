// SPDX-License-Identifier: MIT
// dir_watch: inotify (Linux) / kqueue (macOS, BSD) / nothing, behind one small class.
// The kqueue part is compiled only on macOS and the BSDs and has not been compiled yet
// (README "Build on macOS/BSD"); a POSIX-only build on Linux takes the "nothing" path.
#include "svkit/dir_watch.hpp"
#include "svkit/platform.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#if SVKIT_LINUX
#include <sys/inotify.h>
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || \
    defined(__OpenBSD__) || defined(__DragonFly__)
#define SVKIT_KQUEUE 1
#include <sys/types.h>  // before sys/event.h on the BSDs
#include <sys/event.h>
#include <sys/time.h>
#endif

namespace svkit {

void DirWatch::close() noexcept {
  fd_.reset();
  dir_fd_.reset();
}

#if SVKIT_LINUX

bool DirWatch::open(const std::string& dir) noexcept {
  close();
  UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd) return false;
  // IN_ATTRIB: an entry's metadata changed (cheap to re-examine; catches odd retargets).
  uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB |
                  IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
  if (::inotify_add_watch(fd.get(), dir.c_str(), mask) < 0) return false;
  fd_ = std::move(fd);
  return true;
}

bool DirWatch::read(DirEvents& out) noexcept try {
  alignas(struct inotify_event) char buf[4096];  // the loop drains; small keeps the stack clean
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN;
    if (n == 0) return true;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      p += sizeof *ev + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) out.rescan = true;
      if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) out.reopen = true;
      if (ev->len == 0 || ev->name[0] == '\0') continue;
      bool removed_dir = (ev->mask & IN_DELETE) && (ev->mask & IN_ISDIR);
      out.changes.push_back({ev->name, removed_dir});
    }
  }
} catch (...) {  // std::bad_alloc: the caller can still look at everything
  out.rescan = true;
  return true;
}

#elif defined(SVKIT_KQUEUE)

bool DirWatch::open(const std::string& dir) noexcept {
  close();
#ifdef O_EVTONLY
  int flags = O_EVTONLY | O_DIRECTORY | O_CLOEXEC;
#else
  int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
#endif
  UniqueFd dfd(::open(dir.c_str(), flags));
  if (!dfd) return false;
  UniqueFd kq(::kqueue());
  if (!kq) return false;
  set_cloexec(kq.get());
  struct kevent change;
  EV_SET(&change, dfd.get(), EVFILT_VNODE, EV_ADD | EV_CLEAR,
         NOTE_WRITE | NOTE_EXTEND | NOTE_ATTRIB | NOTE_DELETE | NOTE_RENAME | NOTE_REVOKE, 0,
         0);  // udata: 0, not nullptr (an intptr_t on older NetBSD)
  if (::kevent(kq.get(), &change, 1, nullptr, 0, nullptr) < 0) return false;
  fd_ = std::move(kq);
  dir_fd_ = std::move(dfd);
  return true;
}

bool DirWatch::read(DirEvents& out) noexcept {
  struct kevent ev[16];
  struct timespec zero = {0, 0};
  for (;;) {
    int n = ::kevent(fd_.get(), nullptr, 0, ev, 16, &zero);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    for (int i = 0; i < n; ++i) {
      out.rescan = true;  // kqueue does not name the entry
      if (ev[i].fflags & (NOTE_DELETE | NOTE_RENAME | NOTE_REVOKE)) out.reopen = true;
    }
  }
}

#else

bool DirWatch::open(const std::string&) noexcept {
  errno = ENOSYS;
  return false;
}

bool DirWatch::read(DirEvents&) noexcept { return true; }

#endif

}  // namespace svkit
