// SPDX-License-Identifier: MIT
// Permission boundaries (issue 13): whoever can write a service's supervise/ directory
// before supervise starts (a user's service under root's svscan) plants symlinks there.
// supervise must never follow them to overwrite or create a file elsewhere; the service
// still runs and its status is published.
#include <sys/stat.h>
#include <unistd.h>

#include "supervise_fixture.hpp"

using namespace svkit::test;
using namespace svkit::test::sup;

namespace {
bool is_link(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}
}  // namespace

TEST_CASE("supervise: planted status.new/stat.new/pid.new symlinks are not followed",
          "[supervise][e2e][security]") {
  ServiceDir s;
  TempDir outside;
  write_script(s / "run", "exec sleep 60\n");
  make_dirs(s / "supervise");
  // Two of them point at an existing file, one at a file that does not exist yet.
  write_file(outside / "victim", "precious\n");
  REQUIRE(::symlink((outside / "victim").c_str(), (s / "supervise/status.new").c_str()) == 0);
  REQUIRE(::symlink((outside / "victim").c_str(), (s / "supervise/stat.new").c_str()) == 0);
  REQUIRE(::symlink((outside / "created").c_str(), (s / "supervise/pid.new").c_str()) == 0);
  Tool sup("supervise", {s.str()});
  REQUIRE(wait_running(s.dir) != 0);
  CHECK(stat_becomes(s.dir, "run"));
  CHECK(read_file(s / "supervise/pid") == std::to_string(pid_of(s.dir)) + "\n");
  CHECK(read_file(outside / "victim") == "precious\n");
  CHECK(!svkit::test::exists(outside / "created"));
  for (const char* f : {"status", "stat", "pid"}) CHECK(!is_link(s / "supervise" / f));
  // Planted again while it runs: the next publication replaces them too.
  for (const char* f : {"status.new", "stat.new"}) {
    ::unlink((s / "supervise" / f).c_str());
    REQUIRE(::symlink((outside / "victim").c_str(), (s / "supervise" / f).c_str()) == 0);
  }
  REQUIRE(control(s.dir, "d"));
  CHECK(stat_becomes(s.dir, "down"));
  CHECK(read_file(outside / "victim") == "precious\n");
  CHECK(!svkit::test::exists(outside / "created"));
}

TEST_CASE("supervise: a planted supervise/lock symlink creates nothing elsewhere",
          "[supervise][e2e][security]") {
  ServiceDir s;
  TempDir outside;
  write_script(s / "run", "exec sleep 60\n");
  make_dirs(s / "supervise");
  REQUIRE(::symlink((outside / "created").c_str(), (s / "supervise/lock").c_str()) == 0);
  Tool sup("supervise", {s.str()});
  // supervise refuses to lock through it (exit 111, one line) rather than create the target.
  auto code = sup.wait_exit(5s);
  CHECK(code == 111);
  CHECK(sup.err().find(": fatal: unable to open ") != std::string::npos);
  CHECK(sup.err().find("supervise/lock") != std::string::npos);
  CHECK(!svkit::test::exists(outside / "created"));
}
