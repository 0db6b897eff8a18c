// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <errno.h>

#include <map>
#include <string>
#include <vector>

#include "svkit/path_exec.hpp"

namespace {
// A fake exec: records each candidate and fails with the errno listed for it (ENOENT else).
struct FakeExec {
  std::map<std::string, int> errors;
  std::vector<std::string> tried;
  int operator()(const std::string& c) {
    tried.push_back(c);
    auto it = errors.find(c);
    return it == errors.end() ? ENOENT : it->second;
  }
};
int search(FakeExec& f, const char* file, const char* path) {
  return svkit::path_search(file, path, [&](const std::string& c) { return f(c); });
}
using V = std::vector<std::string>;
}  // namespace

TEST_CASE("path search tries a name with a slash as given", "[chain][path_exec][unit]") {
  FakeExec f;
  f.errors["./x"] = EACCES;
  CHECK(search(f, "./x", "/a:/b") == EACCES);
  CHECK(f.tried == V{"./x"});
  FakeExec g;
  CHECK(search(g, "/bin/nope", nullptr) == ENOENT);
  CHECK(g.tried == V{"/bin/nope"});
}

TEST_CASE("path search defaults to /bin:/usr/bin, an empty element is the current directory",
          "[chain][path_exec][unit]") {
  FakeExec f;
  CHECK(search(f, "p", nullptr) == ENOENT);
  CHECK(f.tried == V{"/bin/p", "/usr/bin/p"});
  FakeExec g;
  CHECK(search(g, "p", ":/a::/b:") == ENOENT);
  CHECK(g.tried == V{"./p", "/a/p", "./p", "/b/p", "./p"});
  FakeExec h;
  CHECK(search(h, "p", "") == ENOENT);
  CHECK(h.tried == V{"./p"});
}

TEST_CASE("path search remembers access errors and goes on", "[chain][path_exec][unit]") {
  for (int e : {EACCES, EPERM, EISDIR}) {
    FakeExec f;
    f.errors["/a/p"] = e;
    CHECK(search(f, "p", "/a:/b:/c") == e);
    CHECK(f.tried == V{"/a/p", "/b/p", "/c/p"});
  }
  FakeExec g;  // the first remembered error is replaced by a later one
  g.errors["/a/p"] = EACCES;
  g.errors["/b/p"] = EISDIR;
  CHECK(search(g, "p", "/a:/b:/c") == EISDIR);
}

TEST_CASE("path search stops at any other error", "[chain][path_exec][unit]") {
  for (int e : {ENOTDIR, ENOEXEC, E2BIG, ELOOP, ETXTBSY}) {
    FakeExec f;
    f.errors["/a/p"] = EACCES;
    f.errors["/b/p"] = e;
    CHECK(search(f, "p", "/a:/b:/c") == e);
    CHECK(f.tried == V{"/a/p", "/b/p"});
  }
}
