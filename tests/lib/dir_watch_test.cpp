// SPDX-License-Identifier: MIT
// dir_watch: which changes of a directory's entries are reported (inotify on Linux); in a
// POSIX-only build on Linux there is no watcher at all (ENOSYS: svscan rescans every second).
#include "svkit/dir_watch.hpp"
#include "svkit/platform.hpp"

#include <poll.h>

#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace svkit::test;

namespace {
// Waits (bounded) until the watch is readable, then collects everything pending.
[[maybe_unused]] svkit::DirEvents next_events(svkit::DirWatch& w) {
  svkit::DirEvents ev;
  pollfd p = {w.fd(), POLLIN, 0};
  if (::poll(&p, 1, 2000) == 1) REQUIRE(w.read(ev));
  return ev;
}
[[maybe_unused]] bool names(const svkit::DirEvents& ev, const std::string& name, bool dir_removed = false) {
  for (const auto& c : ev.changes)
    if (c.name == name && c.dir_removed == dir_removed) return true;
  return false;
}
}  // namespace

#if SVKIT_LINUX
TEST_CASE("dir_watch: names created, renamed and removed entries", "[svscan][unit]") {
  TempDir t;
  svkit::DirWatch w;
  REQUIRE(w.open(t.str()));
  make_dirs(t / "a");
  CHECK(names(next_events(w), "a"));
  fs::rename(t / "a", t / "b");
  auto ev = next_events(w);
  CHECK(names(ev, "a"));  // moved from
  CHECK(names(ev, "b"));  // moved to: both in one read, so a rename keeps its service
  fs::create_symlink(t / "b", t / "l");
  CHECK(names(next_events(w), "l"));
  fs::remove(t / "l");
  CHECK(names(next_events(w), "l"));
  fs::remove(t / "b");
  CHECK(names(next_events(w), "b", true));  // a real directory went away
}

TEST_CASE("dir_watch: the directory itself moved or removed asks for reopen", "[svscan][unit]") {
  TempDir t;
  make_dirs(t / "d");
  svkit::DirWatch w;
  REQUIRE(w.open((t / "d").string()));
  fs::rename(t / "d", t / "e");
  CHECK(next_events(w).reopen);
  REQUIRE(w.open((t / "e").string()));
  fs::remove(t / "e");
  CHECK(next_events(w).reopen);
}

TEST_CASE("dir_watch: a missing directory or a file cannot be watched", "[svscan][unit]") {
  TempDir t;
  svkit::DirWatch w;
  CHECK_FALSE(w.open((t / "absent").string()));
  CHECK(errno == ENOENT);
  write_file(t / "f", "x");
  CHECK_FALSE(w.open((t / "f").string()));
  CHECK(errno == ENOTDIR);
  CHECK(w.fd() < 0);
}
#elif !defined(__APPLE__) && !defined(__FreeBSD__) && !defined(__NetBSD__) && \
    !defined(__OpenBSD__) && !defined(__DragonFly__)
TEST_CASE("dir_watch: without inotify or kqueue there is no watcher (ENOSYS)", "[svscan][unit]") {
  TempDir t;
  svkit::DirWatch w;
  errno = 0;
  CHECK_FALSE(w.open(t.str()));
  CHECK(errno == ENOSYS);
  CHECK(w.fd() < 0);
  svkit::DirEvents ev;
  CHECK(w.read(ev));
  CHECK(ev.changes.empty());
}
#endif
