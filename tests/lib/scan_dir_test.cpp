// SPDX-License-Identifier: MIT
// scan_dir: which entries of a scan directory are services, and their identity.
#include "svkit/scan_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>

#include "harness.hpp"

using namespace svkit::test;
using svkit::ServiceKey;

namespace {
std::map<std::string, ServiceKey> scan(const fs::path& dir, bool* complete = nullptr) {
  svkit::ScanResult r;
  REQUIRE(svkit::scan_services(dir.string(), r));
  if (complete) *complete = r.complete;
  std::map<std::string, ServiceKey> m;
  for (auto& e : r.services) m[e.name] = e.key;
  return m;
}
}  // namespace

TEST_CASE("scan_dir: service names exclude dot names, empty names and slashes", "[svscan][unit]") {
  CHECK(svkit::is_service_name("web"));
  CHECK(svkit::is_service_name("a.b"));
  CHECK_FALSE(svkit::is_service_name(""));
  CHECK_FALSE(svkit::is_service_name(".hidden"));
  CHECK_FALSE(svkit::is_service_name("."));
  CHECK_FALSE(svkit::is_service_name(".."));
  CHECK_FALSE(svkit::is_service_name("a/b"));
}

TEST_CASE("scan_dir: directories and symlinks to directories are services", "[svscan][unit]") {
  TempDir t;
  make_dirs(t / "scan" / "dir");
  make_dirs(t / "scan" / ".dot");
  make_dirs(t / "elsewhere");
  write_file(t / "scan" / "file", "x");
  write_file(t / "afile", "x");
  fs::create_symlink(t / "elsewhere", t / "scan" / "link");
  fs::create_symlink(t / "afile", t / "scan" / "tofile");
  fs::create_symlink(t / "missing", t / "scan" / "dangling");
  fs::create_symlink("loop", t / "scan" / "loop");
  fs::create_symlink(t / "scan" / "dir", t / "scan" / "alias");
  bool complete = false;
  auto m = scan(t / "scan", &complete);
  CHECK(complete);
  CHECK(m.size() == 3);
  REQUIRE(m.count("dir"));
  REQUIRE(m.count("link"));
  REQUIRE(m.count("alias"));
  CHECK(m["alias"] == m["dir"]);  // one service reached by two names
  CHECK(m["link"] != m["dir"]);
  struct stat st;
  REQUIRE(::stat((t / "elsewhere").c_str(), &st) == 0);
  CHECK(m["link"] == ServiceKey{st.st_dev, st.st_ino});  // the target's identity
}

TEST_CASE("scan_dir: identity survives a rename", "[svscan][unit]") {
  TempDir t;
  make_dirs(t / "scan" / "old");
  auto before = scan(t / "scan");
  fs::rename(t / "scan" / "old", t / "scan" / "new");
  auto after = scan(t / "scan");
  REQUIRE(after.count("new"));
  CHECK(after["new"] == before["old"]);
  CHECK_FALSE(after.count("old"));
}

TEST_CASE("scan_dir: classify_entry examines one name", "[svscan][unit]") {
  TempDir t;
  make_dirs(t / "d");
  write_file(t / "f", "x");
  fs::create_symlink(t / "gone", t / "dangling");
  int dfd = ::open(t.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(dfd >= 0);
  ServiceKey k;
  CHECK(svkit::classify_entry(dfd, "d", k) == svkit::EntryKind::service);
  CHECK(k.ino != 0);
  CHECK(svkit::classify_entry(dfd, "f", k) == svkit::EntryKind::other);
  CHECK(svkit::classify_entry(dfd, "dangling", k) == svkit::EntryKind::other);
  CHECK(svkit::classify_entry(dfd, "absent", k) == svkit::EntryKind::other);
  CHECK(svkit::classify_entry(dfd, ".d", k) == svkit::EntryKind::other);
  ::close(dfd);
}

TEST_CASE("scan_dir: an unreadable directory is an error with errno", "[svscan][unit]") {
  TempDir t;
  svkit::ScanResult r;
  CHECK_FALSE(svkit::scan_services((t / "absent").string(), r));
  CHECK(errno == ENOENT);
}

TEST_CASE("scan_dir: keys hash and compare by device and inode", "[svscan][unit]") {
  svkit::ServiceKeyHash h;
  ServiceKey a{1, 2}, b{1, 2}, c{2, 1};
  CHECK(a == b);
  CHECK(a != c);
  CHECK(h(a) == h(b));
}
