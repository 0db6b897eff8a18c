// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "harness.hpp"
#include "svkit/envdir.hpp"

using namespace std::string_literals;

TEST_CASE("envdir values: first line, trailing blanks cut, NUL becomes newline",
          "[chain][envdir][unit]") {
  struct Case {
    std::string content;
    const char* value;  // nullptr: remove the variable
  } cases[] = {
      {"", nullptr},
      {"\n", ""},
      {"abc", "abc"},
      {"abc\n", "abc"},
      {"abc\ndef\n", "abc"},
      {"abc \t \t\n", "abc"},
      {"  lead", "  lead"},
      {" \t ", ""},
      {"a\0b\n"s, "a\nb"},
      {"a\0\n"s, "a\n"},
      {"a \0 \n"s, "a \n"},  // only the line's end is trimmed, not before a NUL
      {"\0"s, "\n"},
      {"x\r\n", "x\r"},
      {"\nsecond", ""},
  };
  for (const auto& c : cases) {
    INFO("content '" << c.content << "'");
    auto v = svkit::envdir_value(c.content);
    if (!c.value) {
      CHECK_FALSE(v);
    } else {
      REQUIRE(v);
      CHECK(*v == c.value);
    }
  }
}

namespace {
std::vector<std::string> sorted_env(const svkit::EnvEdit& edits, std::vector<std::string> env) {
  std::vector<char*> in;
  for (auto& s : env) in.push_back(s.data());
  in.push_back(nullptr);
  auto out_ptrs = edits.apply(in.data());
  std::vector<std::string> out;
  for (size_t i = 0; i + 1 < out_ptrs.size(); ++i) out.emplace_back(out_ptrs[i]);
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("envdir reads a directory and returns to the starting one",
          "[chain][envdir][unit]") {
  using namespace svkit::test;
  TempDir tmp;
  make_dirs(tmp / "env");
  write_file(tmp / "env/SET", "value  \nignored\n");
  write_file(tmp / "env/EMPTY", "\n");
  write_file(tmp / "env/GONE", "");
  write_file(tmp / "env/.hidden", "no\n");
  REQUIRE(::symlink("missing", (tmp / "env/DANGLING").c_str()) == 0);
  char before[4096];
  REQUIRE(::getcwd(before, sizeof before));

  svkit::EnvEdit edits;
  auto r = svkit::read_env_dir((tmp / "env").c_str(), edits);
  CHECK(r.step == svkit::EnvDirStep::ok);
  char after[4096];
  REQUIRE(::getcwd(after, sizeof after));
  CHECK(std::string(before) == after);
  CHECK(sorted_env(edits, {"GONE=1", "DANGLING=2", "KEEP=3", ".hidden=4"}) ==
        std::vector<std::string>{".hidden=4", "EMPTY=", "KEEP=3", "SET=value"});
}

TEST_CASE("envdir names the step that failed", "[chain][envdir][unit]") {
  using namespace svkit::test;
  TempDir tmp;
  svkit::EnvEdit edits;
  auto missing = svkit::read_env_dir((tmp / "nope").c_str(), edits);
  CHECK(missing.step == svkit::EnvDirStep::enter_dir);
  CHECK(missing.err == ENOENT);

  make_dirs(tmp / "env/sub");
  auto sub = svkit::read_env_dir((tmp / "env").c_str(), edits);
  CHECK(sub.step == svkit::EnvDirStep::read_entry);
  CHECK(sub.err == EISDIR);
  CHECK(sub.entry == "sub");

  write_file(tmp / "file", "x");
  auto notdir = svkit::read_env_dir((tmp / "file").c_str(), edits);
  CHECK(notdir.step == svkit::EnvDirStep::enter_dir);
  CHECK(notdir.err == ENOTDIR);
}
