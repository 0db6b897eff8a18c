// SPDX-License-Identifier: MIT
// replace_file never writes through what someone planted as NAME.new (issue 13,
// permission boundaries): a symlink to a file elsewhere, a dangling symlink, a FIFO.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "svkit/status_file.hpp"

using namespace svkit::test;

namespace {
bool replace(const TempDir& t, const std::string& content) {
  return svkit::replace_file(AT_FDCWD, (t / "status").c_str(), (t / "status.new").c_str(),
                             content.data(), content.size());
}
bool is_link(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}
}  // namespace

TEST_CASE("replace_file replaces a planted NAME.new symlink instead of following it",
          "[status][unit][security]") {
  TempDir t;
  write_file(t / "victim", "precious\n");
  REQUIRE(::symlink((t / "victim").c_str(), (t / "status.new").c_str()) == 0);
  CHECK(replace(t, "new status\n"));
  CHECK(read_file(t / "victim") == "precious\n");
  CHECK(read_file(t / "status") == "new status\n");
  CHECK(!is_link(t / "status"));
  CHECK(!svkit::test::exists(t / "status.new"));

  // A dangling symlink must not create its target.
  REQUIRE(::symlink((t / "created").c_str(), (t / "status.new").c_str()) == 0);
  CHECK(replace(t, "again\n"));
  CHECK(!svkit::test::exists(t / "created"));
  CHECK(read_file(t / "status") == "again\n");
}

TEST_CASE("replace_file does not block on a FIFO planted as NAME.new", "[status][unit][security]") {
  TempDir t;
  REQUIRE(::mkfifo((t / "status.new").c_str(), 0600) == 0);
  CHECK(replace(t, "content\n"));  // would block forever in open() without O_NONBLOCK
  CHECK(read_file(t / "status") == "content\n");
}
